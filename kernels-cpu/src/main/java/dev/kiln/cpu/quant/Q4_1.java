package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q4_1: 32 weights share a scale and a minimum; 4-bit unsigned quants.
 * <pre>// block: f16 d, f16 m, u8 qs[16]  (20 bytes / 32 weights)
 * // w[j] = d * (qs[j] &amp; 0xF) + m,  w[j+16] = d * (qs[j] &gt;&gt; 4) + m,  j &lt; 16</pre>
 */
public final class Q4_1 extends BlockKernel {
    public Q4_1() {
        super(GgmlType.Q4_1);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float m = Bytes.f16(src, offset + 2);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 4 + j);
            dst[dstOffset + j] = (q & 0xF) * d + m;
            dst[dstOffset + j + 16] = (q >> 4) * d + m;
        }
    }
}
