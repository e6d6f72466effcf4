package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q6_K: a 256-weight super-block of 16 groups of 16 with signed 8-bit group scales; 6-bit quants (offset 32):
 * low 4 bits in ql, high 2 bits in qh.
 * <pre>// block: u8 ql[128], u8 qh[64], i8 scales[16], f16 d  (210 bytes / 256 weights)
 * // half h (128 weights) uses ql[64h ..), qh[32h ..), scales[8h ..); for l &lt; 32:
 * //   w[l]    = d * sc[l/16]     * ((ql[l]    &amp; 0xF | (qh[l] &gt;&gt; 0 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+32] = d * sc[l/16 + 2] * ((ql[l+32] &amp; 0xF | (qh[l] &gt;&gt; 2 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+64] = d * sc[l/16 + 4] * ((ql[l]    &gt;&gt; 4  | (qh[l] &gt;&gt; 4 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+96] = d * sc[l/16 + 6] * ((ql[l+32] &gt;&gt; 4  | (qh[l] &gt;&gt; 6 &amp; 3) &lt;&lt; 4) - 32)</pre>
 */
public final class Q6_K extends BlockKernel {
    public Q6_K() {
        super(GgmlType.Q6_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset + 208);
        for (int half = 0; half < 2; half++) {
            long ql = offset + 64 * half;
            long qh = offset + 128 + 32 * half;
            long sc = offset + 192 + 8 * half;
            int out = dstOffset + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo = Bytes.u8(src, ql + l);
                int hi = Bytes.u8(src, ql + l + 32);
                int h = Bytes.u8(src, qh + l);
                int q1 = ((lo & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((hi & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((hi >> 4) | (((h >> 6) & 3) << 4)) - 32;
                dst[out + l] = d * Bytes.i8(src, sc + is) * q1;
                dst[out + l + 32] = d * Bytes.i8(src, sc + is + 2) * q2;
                dst[out + l + 64] = d * Bytes.i8(src, sc + is + 4) * q3;
                dst[out + l + 96] = d * Bytes.i8(src, sc + is + 6) * q4;
            }
        }
    }
}
