package dev.kiln.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class VectorMathTest {

    @Test
    void swiGluAgreesWithScalarReference() {
        Random random = new Random(11);
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

    @Test
    void rmsNormAgreesWithScalarReference() {
        Random random = new Random(12);
        for (int dim : new int[] {1, 7, 16, 33, 2048, 5120 + 5}) {
            int off = 2 * dim + 3; // the third row of a buffer with a 3-float head
            float[] x = new float[off + dim + 2];
            float[] w = new float[dim];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 40f : 1f);
            }
            for (int i = 0; i < dim; i++) {
                w[i] = 0.5f + random.nextFloat();
            }
            float[] expected = new float[x.length];
            float[] actual = new float[x.length];
            VectorMath.rmsNormScalar(x, w, expected, off, dim, 1e-5f);
            VectorMath.rmsNorm(x, w, actual, off, dim, 1e-5f);
            double sum = 0;
            for (int i = 0; i < dim; i++) {
                sum += (double) x[off + i] * x[off + i];
            }
            double scale = 1 / Math.sqrt(sum / dim + 1e-5);
            for (int i = 0; i < x.length; i++) {
                boolean inRow = i >= off && i < off + dim;
                if (!inRow) {
                    assertEquals(0f, actual[i], "rmsNorm wrote outside its row, dim = " + dim + ", i = " + i);
                    continue;
                }
                assertEquals(expected[i], actual[i], 2 * Math.ulp(expected[i]), "rmsNorm, dim = " + dim + ", i = " + i);
                assertEquals(x[i] * scale * w[i - off], actual[i], 1e-5 * Math.abs(x[i] * scale * w[i - off]) + 1e-30,
                        "rmsNorm against float64, dim = " + dim + ", i = " + i);
            }
        }
    }
}
