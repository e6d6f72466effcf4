package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q5_0: 32 weights share one scale; 5-bit quants (low nibble in qs, fifth bit in qh) with an offset of 16.
 * <pre>// block: f16 d, u32 qh, u8 qs[16]  (22 bytes / 32 weights)
 * // w[j]    = d * (((qs[j] &amp; 0xF) | bit(qh, j) &lt;&lt; 4) - 16)
 * // w[j+16] = d * (((qs[j] &gt;&gt; 4) | bit(qh, j+16) &lt;&lt; 4) - 16),  j &lt; 16</pre>
 */
public final class Q5_0 extends BlockKernel {
    public Q5_0() {
        super(GgmlType.Q5_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        int qh = Bytes.i32(src, offset + 2);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 6 + j);
            int h0 = ((qh >>> j) & 1) << 4;
            int h1 = ((qh >>> (j + 16)) & 1) << 4;
            dst[dstOffset + j] = (((q & 0xF) | h0) - 16) * d;
            dst[dstOffset + j + 16] = (((q >> 4) | h1) - 16) * d;
        }
    }
}
