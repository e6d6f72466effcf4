package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * F32: plain little-endian float32 weights.
 * <pre>// element: f32 (4 bytes / weight)</pre>
 */
public final class F32 extends BlockKernel {
    public F32() {
        super(GgmlType.F32);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        dst[dstOffset] = Bytes.f32(src, offset);
    }
}
