package dev.kiln.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class VectorMathTest {

    @Test
    void dotAndAxpyMatchScalarReferences() {
        Random rnd = new Random(7);
        for (int n : new int[] {1, 7, 16, 31, 64, 100, 128, 257}) {
            float[] a = new float[n + 3];
            float[] b = new float[n + 5];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) rnd.nextGaussian();
            }
            float expected = VectorMath.dotScalar(a, 3, b, 5, n);
            assertEquals(expected, VectorMath.dot(a, 3, b, 5, n), 1e-5f * n, "dot, n = " + n);

            float[] y1 = b.clone();
            float[] y2 = b.clone();
            VectorMath.axpyScalar(0.37f, a, 3, y1, 5, n);
            VectorMath.axpy(0.37f, a, 3, y2, 5, n);
            assertArrayEquals(y1, y2, 1e-6f, "axpy, n = " + n);
            assertEquals(b[0], y2[0]); // outside the range: untouched
        }
    }

    @org.junit.jupiter.api.Test
    void swiGluAgreesWithScalarReference() {
        java.util.Random random = new java.util.Random(11);
        for (int n : new int[] {1, 7, 16, 33, 1000}) {
            float[] g1 = new float[n + 3];
            float[] u = new float[n + 3];
            for (int i = 0; i < g1.length; i++) {
                g1[i] = (float) random.nextGaussian() * (i % 5 == 0 ? 30f : 3f);
                u[i] = (float) random.nextGaussian();
            }
            float[] g2 = g1.clone();
            VectorMath.swiGluScalar(g1, u, 3, n + 3);
            VectorMath.swiGlu(g2, u, 3, n + 3);
            for (int i = 0; i < g1.length; i++) {
                assertEquals(g1[i], g2[i], 4 * Math.ulp(g1[i]) + 1e-30f, "swiGlu, n = " + n + ", i = " + i);
            }
        }
    }
}
