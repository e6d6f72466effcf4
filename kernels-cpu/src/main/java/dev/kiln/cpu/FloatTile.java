package dev.kiln.cpu;

import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The float product behind batched matmul: a tile of decoded weight rows (kept in L2 by the caller) times every
 * token. A 4-row x 4-token register block loads 8 vectors per 16 fused multiply-adds (half the L2 traffic per FMA
 * of a 4 x 2 block; 16 accumulators + 4 activations + 1 weight fit the 32 AVX-512 registers); 2 or 3 leftover tokens
 * run 4 x 2 blocks, an odd last token 4 rows x 1 token, leftover rows 1 x 1. Every (row, token) sum accumulates in
 * the same order whatever block it falls in, so results do not depend on the batch size.
 * Species-specialised (see {@link Specialiser}): every method here must stay free of own helper calls, apart from
 * {@code single} and {@link Lanes#sumInOrder(FloatVector, float[])} (small, inlined), which add a vector's lanes in
 * one order in every JIT tier.
 */
public final class FloatTile implements TileProduct {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final int L = F.length();

    public FloatTile() {
    }

    @Override
    public void multiply(float[] w, int rows, int cols, float[] x, int xOffset, int tokens, float[] out, int outOffset,
                         int outStride) {
        int vecCols = cols - cols % L;
        float[] lanes = new float[L]; // Lanes.sumInOrder's scratch
        int t = 0;
        for (; t + 4 <= tokens; t += 4) {
            int x0 = xOffset + t * cols;
            int x1 = x0 + cols;
            int x2 = x1 + cols;
            int x3 = x2 + cols;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int w0 = r * cols;
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F), a02 = FloatVector.zero(F), a03 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F), a12 = FloatVector.zero(F), a13 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F), a22 = FloatVector.zero(F), a23 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F), a32 = FloatVector.zero(F), a33 = FloatVector.zero(F);
                for (int i = 0; i < vecCols; i += L) {
                    FloatVector xv0 = FloatVector.fromArray(F, x, x0 + i);
                    FloatVector xv1 = FloatVector.fromArray(F, x, x1 + i);
                    FloatVector xv2 = FloatVector.fromArray(F, x, x2 + i);
                    FloatVector xv3 = FloatVector.fromArray(F, x, x3 + i);
                    FloatVector wv = FloatVector.fromArray(F, w, w0 + i);
                    a00 = wv.fma(xv0, a00);
                    a01 = wv.fma(xv1, a01);
                    a02 = wv.fma(xv2, a02);
                    a03 = wv.fma(xv3, a03);
                    wv = FloatVector.fromArray(F, w, w0 + cols + i);
                    a10 = wv.fma(xv0, a10);
                    a11 = wv.fma(xv1, a11);
                    a12 = wv.fma(xv2, a12);
                    a13 = wv.fma(xv3, a13);
                    wv = FloatVector.fromArray(F, w, w0 + 2 * cols + i);
                    a20 = wv.fma(xv0, a20);
                    a21 = wv.fma(xv1, a21);
                    a22 = wv.fma(xv2, a22);
                    a23 = wv.fma(xv3, a23);
                    wv = FloatVector.fromArray(F, w, w0 + 3 * cols + i);
                    a30 = wv.fma(xv0, a30);
                    a31 = wv.fma(xv1, a31);
                    a32 = wv.fma(xv2, a32);
                    a33 = wv.fma(xv3, a33);
                }
                float s00 = Lanes.sumInOrder(a00, lanes), s01 = Lanes.sumInOrder(a01, lanes);
                float s02 = Lanes.sumInOrder(a02, lanes), s03 = Lanes.sumInOrder(a03, lanes);
                float s10 = Lanes.sumInOrder(a10, lanes), s11 = Lanes.sumInOrder(a11, lanes);
                float s12 = Lanes.sumInOrder(a12, lanes), s13 = Lanes.sumInOrder(a13, lanes);
                float s20 = Lanes.sumInOrder(a20, lanes), s21 = Lanes.sumInOrder(a21, lanes);
                float s22 = Lanes.sumInOrder(a22, lanes), s23 = Lanes.sumInOrder(a23, lanes);
                float s30 = Lanes.sumInOrder(a30, lanes), s31 = Lanes.sumInOrder(a31, lanes);
                float s32 = Lanes.sumInOrder(a32, lanes), s33 = Lanes.sumInOrder(a33, lanes);
                for (int i = vecCols; i < cols; i++) {
                    float v0 = w[w0 + i], v1 = w[w0 + cols + i], v2 = w[w0 + 2 * cols + i], v3 = w[w0 + 3 * cols + i];
                    s00 += v0 * x[x0 + i];
                    s01 += v0 * x[x1 + i];
                    s02 += v0 * x[x2 + i];
                    s03 += v0 * x[x3 + i];
                    s10 += v1 * x[x0 + i];
                    s11 += v1 * x[x1 + i];
                    s12 += v1 * x[x2 + i];
                    s13 += v1 * x[x3 + i];
                    s20 += v2 * x[x0 + i];
                    s21 += v2 * x[x1 + i];
                    s22 += v2 * x[x2 + i];
                    s23 += v2 * x[x3 + i];
                    s30 += v3 * x[x0 + i];
                    s31 += v3 * x[x1 + i];
                    s32 += v3 * x[x2 + i];
                    s33 += v3 * x[x3 + i];
                }
                int o0 = outOffset + t * outStride + r;
                int o1 = o0 + outStride;
                int o2 = o1 + outStride;
                int o3 = o2 + outStride;
                out[o0] = s00;
                out[o1] = s01;
                out[o2] = s02;
                out[o3] = s03;
                out[o0 + 1] = s10;
                out[o1 + 1] = s11;
                out[o2 + 1] = s12;
                out[o3 + 1] = s13;
                out[o0 + 2] = s20;
                out[o1 + 2] = s21;
                out[o2 + 2] = s22;
                out[o3 + 2] = s23;
                out[o0 + 3] = s30;
                out[o1 + 3] = s31;
                out[o2 + 3] = s32;
                out[o3 + 3] = s33;
            }
            for (; r < rows; r++) {
                for (int tt = t; tt < t + 4; tt++) {
                    out[outOffset + tt * outStride + r] =
                            single(w, r * cols, x, xOffset + tt * cols, cols, vecCols, lanes);
                }
            }
        }
        for (; t + 2 <= tokens; t += 2) {
            int x0 = xOffset + t * cols;
            int x1 = x0 + cols;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int w0 = r * cols;
                int w1 = w0 + cols;
                int w2 = w1 + cols;
                int w3 = w2 + cols;
                FloatVector a00 = FloatVector.zero(F), a01 = FloatVector.zero(F);
                FloatVector a10 = FloatVector.zero(F), a11 = FloatVector.zero(F);
                FloatVector a20 = FloatVector.zero(F), a21 = FloatVector.zero(F);
                FloatVector a30 = FloatVector.zero(F), a31 = FloatVector.zero(F);
                for (int i = 0; i < vecCols; i += L) {
                    FloatVector xv0 = FloatVector.fromArray(F, x, x0 + i);
                    FloatVector xv1 = FloatVector.fromArray(F, x, x1 + i);
                    FloatVector wv = FloatVector.fromArray(F, w, w0 + i);
                    a00 = wv.fma(xv0, a00);
                    a01 = wv.fma(xv1, a01);
                    wv = FloatVector.fromArray(F, w, w1 + i);
                    a10 = wv.fma(xv0, a10);
                    a11 = wv.fma(xv1, a11);
                    wv = FloatVector.fromArray(F, w, w2 + i);
                    a20 = wv.fma(xv0, a20);
                    a21 = wv.fma(xv1, a21);
                    wv = FloatVector.fromArray(F, w, w3 + i);
                    a30 = wv.fma(xv0, a30);
                    a31 = wv.fma(xv1, a31);
                }
                float s00 = Lanes.sumInOrder(a00, lanes), s01 = Lanes.sumInOrder(a01, lanes);
                float s10 = Lanes.sumInOrder(a10, lanes), s11 = Lanes.sumInOrder(a11, lanes);
                float s20 = Lanes.sumInOrder(a20, lanes), s21 = Lanes.sumInOrder(a21, lanes);
                float s30 = Lanes.sumInOrder(a30, lanes), s31 = Lanes.sumInOrder(a31, lanes);
                for (int i = vecCols; i < cols; i++) {
                    s00 += w[w0 + i] * x[x0 + i];
                    s01 += w[w0 + i] * x[x1 + i];
                    s10 += w[w1 + i] * x[x0 + i];
                    s11 += w[w1 + i] * x[x1 + i];
                    s20 += w[w2 + i] * x[x0 + i];
                    s21 += w[w2 + i] * x[x1 + i];
                    s30 += w[w3 + i] * x[x0 + i];
                    s31 += w[w3 + i] * x[x1 + i];
                }
                int o0 = outOffset + t * outStride + r;
                int o1 = o0 + outStride;
                out[o0] = s00;
                out[o1] = s01;
                out[o0 + 1] = s10;
                out[o1 + 1] = s11;
                out[o0 + 2] = s20;
                out[o1 + 2] = s21;
                out[o0 + 3] = s30;
                out[o1 + 3] = s31;
            }
            for (; r < rows; r++) {
                for (int tt = t; tt < t + 2; tt++) {
                    out[outOffset + tt * outStride + r] =
                            single(w, r * cols, x, xOffset + tt * cols, cols, vecCols, lanes);
                }
            }
        }
        for (; t < tokens; t++) { // an odd last token: 4 rows at a time share each activation load
            int x0 = xOffset + t * cols;
            int o0 = outOffset + t * outStride;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int w0 = r * cols;
                FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
                FloatVector a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
                for (int i = 0; i < vecCols; i += L) {
                    FloatVector xv = FloatVector.fromArray(F, x, x0 + i);
                    a0 = FloatVector.fromArray(F, w, w0 + i).fma(xv, a0);
                    a1 = FloatVector.fromArray(F, w, w0 + cols + i).fma(xv, a1);
                    a2 = FloatVector.fromArray(F, w, w0 + 2 * cols + i).fma(xv, a2);
                    a3 = FloatVector.fromArray(F, w, w0 + 3 * cols + i).fma(xv, a3);
                }
                float s0 = Lanes.sumInOrder(a0, lanes), s1 = Lanes.sumInOrder(a1, lanes);
                float s2 = Lanes.sumInOrder(a2, lanes), s3 = Lanes.sumInOrder(a3, lanes);
                for (int i = vecCols; i < cols; i++) {
                    s0 += w[w0 + i] * x[x0 + i];
                    s1 += w[w0 + cols + i] * x[x0 + i];
                    s2 += w[w0 + 2 * cols + i] * x[x0 + i];
                    s3 += w[w0 + 3 * cols + i] * x[x0 + i];
                }
                out[o0 + r] = s0;
                out[o0 + r + 1] = s1;
                out[o0 + r + 2] = s2;
                out[o0 + r + 3] = s3;
            }
            for (; r < rows; r++) {
                out[o0 + r] = single(w, r * cols, x, x0, cols, vecCols, lanes);
            }
        }
    }

    /** One row times one token (the edges of the tile). */
    private static float single(float[] w, int wo, float[] x, int xo, int cols, int vecCols, float[] lanes) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < vecCols; i += L) {
            acc = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float s = Lanes.sumInOrder(acc, lanes);
        for (int i = vecCols; i < cols; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }
}
