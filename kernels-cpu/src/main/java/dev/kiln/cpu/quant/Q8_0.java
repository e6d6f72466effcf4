package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q8_0: 32 weights share one scale; signed 8-bit quants.
 * <pre>// block: f16 d, i8 qs[32]  (34 bytes / 32 weights)
 * // w[j] = d * qs[j]</pre>
 */
public final class Q8_0 extends BlockKernel {
    public Q8_0() {
        super(GgmlType.Q8_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        for (int j = 0; j < 32; j++) {
            dst[dstOffset + j] = Bytes.i8(src, offset + 2 + j) * d;
        }
    }
}
