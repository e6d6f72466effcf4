package dev.kiln.cpu;

import dev.kiln.cpu.simd.Specialiser;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The float product behind batched matmul: a tile of decoded weight rows (kept in L2 by the caller) times every
 * token. A 4-row x 2-token register block loads 6 vectors per 8 fused multiply-adds; an odd last token runs
 * 4 rows x 1 token, leftover rows 1 x 1.
 * Species-specialised (see {@link Specialiser}): every method here must stay free of own helper calls.
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
        int t = 0;
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
                float s00 = a00.reduceLanes(VectorOperators.ADD), s01 = a01.reduceLanes(VectorOperators.ADD);
                float s10 = a10.reduceLanes(VectorOperators.ADD), s11 = a11.reduceLanes(VectorOperators.ADD);
                float s20 = a20.reduceLanes(VectorOperators.ADD), s21 = a21.reduceLanes(VectorOperators.ADD);
                float s30 = a30.reduceLanes(VectorOperators.ADD), s31 = a31.reduceLanes(VectorOperators.ADD);
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
                    out[outOffset + tt * outStride + r] = single(w, r * cols, x, xOffset + tt * cols, cols, vecCols);
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
                float s0 = a0.reduceLanes(VectorOperators.ADD), s1 = a1.reduceLanes(VectorOperators.ADD);
                float s2 = a2.reduceLanes(VectorOperators.ADD), s3 = a3.reduceLanes(VectorOperators.ADD);
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
                out[o0 + r] = single(w, r * cols, x, x0, cols, vecCols);
            }
        }
    }

    /** One row times one token (the edges of the tile). */
    private static float single(float[] w, int wo, float[] x, int xo, int cols, int vecCols) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < vecCols; i += L) {
            acc = FloatVector.fromArray(F, w, wo + i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (int i = vecCols; i < cols; i++) {
            s += w[wo + i] * x[xo + i];
        }
        return s;
    }
}
