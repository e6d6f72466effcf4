package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q4_K: a 256-weight super-block of 8 groups of 32; each group has a 6-bit scale and a 6-bit minimum, scaled by
 * the super-block's d and dmin; 4-bit quants.
 * <pre>// block: f16 d, f16 dmin, u8 scales[12], u8 qs[128]  (144 bytes / 256 weights)
 * // scales (6 bits each, ggml's get_scale_min_k4): j &lt; 4: sc = scales[j] &amp; 63, m = scales[j+4] &amp; 63;
 * //   j &gt;= 4: sc = (scales[j+4] &amp; 0xF) | (scales[j-4] &gt;&gt; 6) &lt;&lt; 4, m = (scales[j+4] &gt;&gt; 4) | (scales[j] &gt;&gt; 6) &lt;&lt; 4
 * // chunk c (64 weights) uses qs[32c .. 32c+32): low nibbles are group 2c, high nibbles group 2c+1:
 * // w = d * sc * q - dmin * m</pre>
 */
public final class Q4_K extends BlockKernel {
    public Q4_K() {
        super(GgmlType.Q4_K);
    }

    /** The 6-bit scale of group {@code j} (0..7) from the 12 scale bytes at {@code scales}. */
    static int scale(MemorySegment src, long scales, int j) {
        return j < 4 ? Bytes.u8(src, scales + j) & 63
                : (Bytes.u8(src, scales + j + 4) & 0xF) | ((Bytes.u8(src, scales + j - 4) >> 6) << 4);
    }

    /** The 6-bit minimum of group {@code j} (0..7). */
    static int min(MemorySegment src, long scales, int j) {
        return j < 4 ? Bytes.u8(src, scales + j + 4) & 63
                : (Bytes.u8(src, scales + j + 4) >> 4) | ((Bytes.u8(src, scales + j) >> 6) << 4);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float dmin = Bytes.f16(src, offset + 2);
        long scales = offset + 4;
        int out = dstOffset;
        for (int c = 0; c < 4; c++) {
            long qs = offset + 16 + 32 * c;
            float d1 = d * scale(src, scales, 2 * c);
            float m1 = dmin * min(src, scales, 2 * c);
            float d2 = d * scale(src, scales, 2 * c + 1);
            float m2 = dmin * min(src, scales, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                dst[out + l] = d1 * (Bytes.u8(src, qs + l) & 0xF) - m1;
                dst[out + 32 + l] = d2 * (Bytes.u8(src, qs + l) >> 4) - m2;
            }
            out += 64;
        }
    }
}
