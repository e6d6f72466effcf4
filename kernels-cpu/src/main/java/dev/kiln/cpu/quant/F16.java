package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * F16: IEEE half-precision weights, widened exactly to float32.
 * <pre>// element: f16 (2 bytes / weight)</pre>
 */
public final class F16 extends BlockKernel {
    public F16() {
        super(GgmlType.F16);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        dst[dstOffset] = Bytes.f16(src, offset);
    }
}
