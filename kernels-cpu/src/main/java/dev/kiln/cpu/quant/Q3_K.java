package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q3_K: a 256-weight super-block of 16 groups of 16 with 6-bit signed group scales (offset 32) and 3-bit quants:
 * two low bits in qs, the third in hmask (set = no offset, clear = subtract 4).
 * <pre>// block: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d  (110 bytes / 256 weights)
 * // scales: 16 x 6 bits; low 4 bits of scale i in scales[i % 8] (nibble i / 8), high 2 bits in scales[8 + i % 4]
 * //         at bit 2 * (i / 4)
 * // half h uses qs[32h ..); bit-pair k (shift 2k) and hmask bit m = 4h + k give 32 weights (two groups of 16):
 * // w = d * (scale - 32) * (((qs[32h + l] &gt;&gt; 2k) &amp; 3) - (hmask[l] bit m ? 0 : 4))</pre>
 */
public final class Q3_K extends BlockKernel {
    public Q3_K() {
        super(GgmlType.Q3_K);
    }

    /** The 6-bit scale of group {@code i} (0..15), still with its offset of 32. */
    static int scale(MemorySegment src, long scales, int i) {
        int low = (Bytes.u8(src, scales + (i & 7)) >> (4 * (i >> 3))) & 0xF;
        int high = (Bytes.u8(src, scales + 8 + (i & 3)) >> (2 * (i >> 2))) & 3;
        return low | (high << 4);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        long hmask = offset;
        long scales = offset + 96;
        float d = Bytes.f16(src, offset + 108);
        int out = dstOffset;
        int group = 0;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            long qs = offset + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    float dl = d * (scale(src, scales, group++) - 32);
                    for (int l = 16 * sub; l < 16 * sub + 16; l++) {
                        int q = (Bytes.u8(src, qs + l) >> shift) & 3;
                        int h = (Bytes.u8(src, hmask + l) & m) != 0 ? 0 : 4;
                        dst[out++] = dl * (q - h);
                    }
                }
                m <<= 1;
            }
        }
    }
}
