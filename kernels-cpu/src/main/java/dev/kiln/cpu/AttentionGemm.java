package dev.kiln.cpu;

import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = A · B} on float arrays with B and C row-major in their columns, the product attention needs twice:
 * scores = queries · Kᵀ (B = the keys transposed, one row per key dimension) and outputs = probabilities · V. Each
 * A element is broadcast against a vector of B's row, so no lane sums are needed (a dot product of 64-float key rows
 * would spend more on reducing lanes than on multiplying). Register block: 4 rows of C x 4 vectors.
 * {@link #multiplyScalar} is the reference.
 */
final class AttentionGemm {
    private static final VectorSpecies<Float> F = Species.preferred();
    private static final int L = F.length();

    private AttentionGemm() {}

    /**
     * {@code c[i·ldc + j] = Σ_p a[i·lda + p] · b[p·ldb + j]} for i &lt; m, j &lt; n, p &lt; k (offsets aOff, bOff, cOff).
     */
    static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                         int m, int n, int k) {
        int nv = n - n % L;
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOff + i * lda, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
            int j = 0;
            for (; j + 4 * L <= nv; j += 4 * L) {
                FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F), c02 = FloatVector.zero(F), c03 = FloatVector.zero(F);
                FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F), c12 = FloatVector.zero(F), c13 = FloatVector.zero(F);
                FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F), c22 = FloatVector.zero(F), c23 = FloatVector.zero(F);
                FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F), c32 = FloatVector.zero(F), c33 = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    int bp = bOff + p * ldb + j;
                    FloatVector b0 = FloatVector.fromArray(F, b, bp);
                    FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
                    FloatVector b2 = FloatVector.fromArray(F, b, bp + 2 * L);
                    FloatVector b3 = FloatVector.fromArray(F, b, bp + 3 * L);
                    FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
                    c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                    x = FloatVector.broadcast(F, a[a1 + p]);
                    c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                    x = FloatVector.broadcast(F, a[a2 + p]);
                    c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                    x = FloatVector.broadcast(F, a[a3 + p]);
                    c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                }
                int c0 = cOff + i * ldc + j, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
                c00.intoArray(c, c0); c01.intoArray(c, c0 + L); c02.intoArray(c, c0 + 2 * L); c03.intoArray(c, c0 + 3 * L);
                c10.intoArray(c, c1); c11.intoArray(c, c1 + L); c12.intoArray(c, c1 + 2 * L); c13.intoArray(c, c1 + 3 * L);
                c20.intoArray(c, c2); c21.intoArray(c, c2 + L); c22.intoArray(c, c2 + 2 * L); c23.intoArray(c, c2 + 3 * L);
                c30.intoArray(c, c3); c31.intoArray(c, c3 + L); c32.intoArray(c, c3 + 2 * L); c33.intoArray(c, c3 + 3 * L);
            }
            for (; j < nv; j += L) {
                FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F), c2 = FloatVector.zero(F), c3 = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    FloatVector bv = FloatVector.fromArray(F, b, bOff + p * ldb + j);
                    c0 = bv.fma(FloatVector.broadcast(F, a[a0 + p]), c0);
                    c1 = bv.fma(FloatVector.broadcast(F, a[a1 + p]), c1);
                    c2 = bv.fma(FloatVector.broadcast(F, a[a2 + p]), c2);
                    c3 = bv.fma(FloatVector.broadcast(F, a[a3 + p]), c3);
                }
                c0.intoArray(c, cOff + i * ldc + j);
                c1.intoArray(c, cOff + (i + 1) * ldc + j);
                c2.intoArray(c, cOff + (i + 2) * ldc + j);
                c3.intoArray(c, cOff + (i + 3) * ldc + j);
            }
            for (int r = i; r < i + 4; r++) {
                tail(a, aOff + r * lda, b, bOff, ldb, c, cOff + r * ldc, nv, n, k);
            }
        }
        for (; i < m; i++) {
            int ai = aOff + i * lda;
            int j = 0;
            for (; j < nv; j += L) {
                FloatVector acc = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    acc = FloatVector.fromArray(F, b, bOff + p * ldb + j).fma(FloatVector.broadcast(F, a[ai + p]), acc);
                }
                acc.intoArray(c, cOff + i * ldc + j);
            }
            tail(a, ai, b, bOff, ldb, c, cOff + i * ldc, nv, n, k);
        }
    }

    /** Columns [from, n) of one row, scalar. */
    private static void tail(float[] a, int ai, float[] b, int bOff, int ldb, float[] c, int ci, int from, int n, int k) {
        for (int j = from; j < n; j++) {
            float s = 0f;
            for (int p = 0; p < k; p++) {
                s = Math.fma(a[ai + p], b[bOff + p * ldb + j], s);
            }
            c[ci + j] = s;
        }
    }

    /** The scalar reference: the same sums in the same order (fused multiply-adds over p), so the same floats. */
    static void multiplyScalar(float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc,
                               int m, int n, int k) {
        for (int i = 0; i < m; i++) {
            tail(a, aOff + i * lda, b, bOff, ldb, c, cOff + i * ldc, 0, n, k);
        }
    }
}
