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
}
