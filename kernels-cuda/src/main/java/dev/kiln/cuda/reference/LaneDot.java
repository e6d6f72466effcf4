package dev.kiln.cuda.reference;

import dev.kiln.gguf.GgmlType;

import static dev.kiln.cuda.reference.Blocks.f16;
import static dev.kiln.cuda.reference.Blocks.q3kScale;
import static dev.kiln.cuda.reference.Blocks.scaleMinK4;

/**
 * The decode mat-vec dot product exactly as a warp of {@code matvec.cu} computes it: each of the 32 lanes reads its
 * words of the GGUF blocks (see {@code quant.cuh}: {@code lane_dot}), forms integer sums with dp4a against the q8x
 * activations, scales them in float, and the warp adds the 32 partial sums with the xor-butterfly of {@code warp_sum}.
 * The integer part is exact, so this equals dequantize(row) . dequantize(q8x) up to float rounding; the GPU check
 * compares the kernel with it.
 */
public final class LaneDot {
    private static final int ONES = 0x01010101;

    private LaneDot() {}

    /** dp4a: acc + sum over the 4 bytes of (int8) a * (int8) b. */
    static int dot4(int a, int b, int acc) {
        for (int i = 0; i < 4; i++) {
            acc += (byte) (a >> (8 * i)) * (byte) (b >> (8 * i));
        }
        return acc;
    }

    private static int u32(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    /** The row [cols] at byte {@code row} of w times the activations x; the warp's result. */
    public static float dot(GgmlType type, byte[] w, int row, int cols, Q8x x) {
        if (cols % type.blockSize() != 0 || x.q().length < cols) {
            throw new IllegalArgumentException(type + ": cols " + cols + " vs block " + type.blockSize() + ", x " + x.q().length);
        }
        float[] lanes = new float[32];
        for (int lane = 0; lane < 32; lane++) {
            lanes[lane] = lane(type, w, row, cols, x.q(), x.d(), lane);
        }
        return warpSum(lanes);
    }

    /**
     * The multi-column kernels ({@code mv_T_cN}, quant.cuh {@code lane_dots}): the same row against several activation
     * columns. The kernel decodes each weight word once for all columns, but every column's arithmetic (integer sums,
     * float scaling, accumulation order, warp sum) is the single-column one, so column c equals {@link #dot} of x[c].
     */
    public static float[] dots(GgmlType type, byte[] w, int row, int cols, Q8x[] x) {
        float[] out = new float[x.length];
        for (int c = 0; c < x.length; c++) {
            out[c] = dot(type, w, row, cols, x[c]);
        }
        return out;
    }

    /** warp_sum: for o = 16, 8, 4, 2, 1 every lane adds the value of lane ^ o. */
    static float warpSum(float[] v) {
        float[] a = v.clone();
        for (int o = 16; o > 0; o >>= 1) {
            float[] next = new float[32];
            for (int i = 0; i < 32; i++) {
                next[i] = a[i] + a[i ^ o];
            }
            a = next;
        }
        return a[0];
    }

    static float lane(GgmlType type, byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        return switch (type) {
            case Q4_0 -> q4_0(w, row, cols, xq, xd, lane);
            case Q8_0 -> q8_0(w, row, cols, xq, xd, lane);
            case Q4_K -> q4_k(w, row, cols, xq, xd, lane, false);
            case Q5_K -> q4_k(w, row, cols, xq, xd, lane, true);
            case Q6_K -> q6_k(w, row, cols, xq, xd, lane);
            case Q2_K -> q2_k(w, row, cols, xq, xd, lane);
            case Q3_K -> q3_k(w, row, cols, xq, xd, lane);
            default -> throw new IllegalArgumentException("no dp4a kernel for " + type);
        };
    }

    private static float q4_0(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        int nb = cols / 32, t = lane % 4;
        float acc = 0;
        for (int ib = lane / 4; ib < nb; ib += 8) {
            int b = row + ib * 18;
            int q = u32(w, b + 2 + 4 * t);
            int xl = u32(xq, 32 * ib + 4 * t), xh = u32(xq, 32 * ib + 16 + 4 * t);
            int s = dot4(q & 0x0F0F0F0F, xl, 0);
            s = dot4((q >>> 4) & 0x0F0F0F0F, xh, s);
            int sx = dot4(ONES, xh, dot4(ONES, xl, 0));
            acc += f16(w, b) * xd[ib] * (float) (s - 8 * sx);
        }
        return acc;
    }

    private static float q8_0(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        int nb = cols / 32, t = lane % 8;
        float acc = 0;
        for (int ib = lane / 8; ib < nb; ib += 4) {
            int b = row + ib * 34;
            int s = dot4(u32(w, b + 2 + 4 * t), u32(xq, 32 * ib + 4 * t), 0);
            acc += f16(w, b) * xd[ib] * (float) s;
        }
        return acc;
    }

    // Q4_K and Q5_K: lane reads qs word `lane` (chunk c = lane / 8, offset 4 * (lane % 8)); Q5_K adds the qh bits
    private static float q4_k(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane, boolean five) {
        int bytes = five ? 176 : 144, qsAt = five ? 48 : 16;
        int nsb = cols / 256, c = lane / 8, wi = lane % 8;
        float acc = 0;
        for (int sb = 0; sb < nsb; sb++) {
            int b = row + sb * bytes;
            int q = u32(w, b + qsAt + 4 * lane);
            int vlo = q & 0x0F0F0F0F, vhi = (q >>> 4) & 0x0F0F0F0F;
            if (five) {
                int h = u32(w, b + 16 + 4 * wi);
                vlo |= ((h >>> (2 * c)) & ONES) << 4;
                vhi |= ((h >>> (2 * c + 1)) & ONES) << 4;
            }
            int[] sm1 = scaleMinK4(w, b + 4, 2 * c), sm2 = scaleMinK4(w, b + 4, 2 * c + 1);
            int blo = sb * 8 + 2 * c, bhi = blo + 1;
            int xl = u32(xq, 4 * (blo * 8 + wi)), xh = u32(xq, 4 * (bhi * 8 + wi));
            int slo = dot4(vlo, xl, 0), shi = dot4(vhi, xh, 0);
            int sxl = dot4(ONES, xl, 0), sxh = dot4(ONES, xh, 0);
            float d = f16(w, b), dmin = f16(w, b + 2);
            acc += xd[blo] * (d * (float) (sm1[0] * slo) - dmin * (float) (sm1[1] * sxl))
                    + xd[bhi] * (d * (float) (sm2[0] * shi) - dmin * (float) (sm2[1] * sxh));
        }
        return acc;
    }

    private static float q6_k(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        int nsb = cols / 256, h = lane / 16, bb = 4 * (lane % 16);
        boolean second = bb >= 32;
        int l0 = bb % 32, ilo = 128 * h + (second ? 32 : 0) + l0, ihi = ilo + 64;
        int shlo = second ? 2 : 0, shhi = second ? 6 : 4;
        float acc = 0;
        for (int sb = 0; sb < nsb; sb++) {
            int b = row + sb * 210;
            int q = u32(w, b + 4 * lane), qh = u32(w, b + 128 + 32 * h + l0);
            int vlo = (q & 0x0F0F0F0F) | (((qh >>> shlo) & 0x03030303) << 4);
            int vhi = ((q >>> 4) & 0x0F0F0F0F) | (((qh >>> shhi) & 0x03030303) << 4);
            int xl = u32(xq, sb * 256 + ilo), xh = u32(xq, sb * 256 + ihi);
            int slo = dot4(vlo, xl, 0) - 32 * dot4(ONES, xl, 0);
            int shi = dot4(vhi, xh, 0) - 32 * dot4(ONES, xh, 0);
            int sclo = w[b + 192 + ilo / 16], schi = w[b + 192 + ihi / 16];
            acc += f16(w, b + 208) * (xd[sb * 8 + ilo / 32] * (float) (sclo * slo) + xd[sb * 8 + ihi / 32] * (float) (schi * shi));
        }
        return acc;
    }

    private static float q2_k(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        int nsb = cols / 256, t = lane % 16, h = t / 8, l0 = 4 * (t % 8);
        float acc = 0;
        for (int sb = lane / 16; sb < nsb; sb += 2) {
            int b = row + sb * 84;
            int q = u32(w, b + 16 + 4 * t);
            float d = f16(w, b + 80), dmin = f16(w, b + 82);
            for (int j = 0; j < 4; j++) {
                int i = 128 * h + 32 * j + l0;
                int xv = u32(xq, sb * 256 + i);
                int s = dot4((q >>> (2 * j)) & 0x03030303, xv, 0), sx = dot4(ONES, xv, 0);
                int sc = u8(w, b + i / 16);
                acc += xd[sb * 8 + i / 32] * (d * (float) ((sc & 15) * s) - dmin * (float) ((sc >> 4) * sx));
            }
        }
        return acc;
    }

    private static float q3_k(byte[] w, int row, int cols, byte[] xq, float[] xd, int lane) {
        int nsb = cols / 256, t = lane % 16, h = t / 8, l0 = 4 * (t % 8);
        float acc = 0;
        for (int sb = lane / 16; sb < nsb; sb += 2) {
            int b = row + sb * 110;
            int q = u32(w, b + 32 + 4 * t), hm = u32(w, b + l0);
            float d = f16(w, b + 108);
            for (int j = 0; j < 4; j++) {
                int i = 128 * h + 32 * j + l0;
                int xv = u32(xq, sb * 256 + i);
                int v = ((q >>> (2 * j)) & 0x03030303) | (((hm >>> (4 * h + j)) & ONES) << 2);
                int s = dot4(v, xv, 0) - 4 * dot4(ONES, xv, 0);
                acc += xd[sb * 8 + i / 32] * d * (float) (q3kScale(w, b + 96, i / 16) * s);
            }
        }
        return acc;
    }
}
