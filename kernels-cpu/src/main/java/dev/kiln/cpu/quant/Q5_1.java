package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q5_1: 32 weights share a scale and a minimum; 5-bit unsigned quants (low nibble in qs, fifth bit in qh).
 * <pre>// block: f16 d, f16 m, u32 qh, u8 qs[16]  (24 bytes / 32 weights)
 * // w[j]    = d * ((qs[j] &amp; 0xF) | bit(qh, j) &lt;&lt; 4) + m
 * // w[j+16] = d * ((qs[j] &gt;&gt; 4) | bit(qh, j+16) &lt;&lt; 4) + m,  j &lt; 16</pre>
 */
public final class Q5_1 extends BlockKernel {
    public Q5_1() {
        super(GgmlType.Q5_1);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float m = Bytes.f16(src, offset + 2);
        int qh = Bytes.i32(src, offset + 4);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 8 + j);
            int h0 = ((qh >>> j) & 1) << 4;
            int h1 = ((qh >>> (j + 16)) & 1) << 4;
            dst[dstOffset + j] = ((q & 0xF) | h0) * d + m;
            dst[dstOffset + j + 16] = ((q >> 4) | h1) * d + m;
        }
    }
}
