package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * Q2_K: a 256-weight super-block of 16 groups of 16; each group has a 4-bit scale and a 4-bit minimum, scaled by
 * the super-block's d and dmin; 2-bit quants.
 * <pre>// block: u8 scales[16], u8 qs[64], f16 d, f16 dmin  (84 bytes / 256 weights)
 * // group g: scale = d * (scales[g] &amp; 0xF), min = dmin * (scales[g] &gt;&gt; 4)
 * // half h (128 weights) uses qs[32h .. 32h+32); its 4 bit-pairs (shift 0,2,4,6) give 4 x 32 weights,
 * // each 32 = two groups of 16: w = scale * ((qs[32h + l] &gt;&gt; shift) &amp; 3) - min</pre>
 */
public final class Q2_K extends BlockKernel {
    public Q2_K() {
        super(GgmlType.Q2_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset + 80);
        float dmin = Bytes.f16(src, offset + 82);
        int out = dstOffset;
        int group = 0;
        for (int half = 0; half < 2; half++) {
            long qs = offset + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    int sc = Bytes.u8(src, offset + group++);
                    float dl = d * (sc & 0xF);
                    float ml = dmin * (sc >> 4);
                    for (int l = 0; l < 16; l++) {
                        dst[out++] = dl * ((Bytes.u8(src, qs + 16 * sub + l) >> shift) & 3) - ml;
                    }
                }
            }
        }
    }
}
