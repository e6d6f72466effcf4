package dev.kiln.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefill activations above F16's 65504 stay finite and accurate with the per-token power-of-two scale. */
class F16ScalesTest {

    @Test
    void activationsAboveF16MaxOverflowPlainlyButNotScaled() {
        Random random = new Random(5);
        int rows = 8, cols = 256, tokens = 3;
        float[] w = RandomBlocks.floats(rows * cols, random);
        float[] x = RandomBlocks.floats(tokens * cols, random);
        x[0 * cols + 17] = 1.0e5f;    // token 0: one outlier above 65504
        x[1 * cols + 3] = -7.5e5f;    // token 1: a larger negative one
        // token 2 fits: it must be computed exactly as without scaling
        float[] plain = F16Scales.product(w, rows, x, cols, tokens, false);
        float[] scaled = F16Scales.product(w, rows, x, cols, tokens, true);
        assertTrue(Float.isInfinite(plain[0]) || Float.isNaN(plain[0]), "plain F16 conversion overflows: " + plain[0]);
        float[] s = F16Scales.of(x, cols, tokens);
        assertEquals(2f, s[0]);
        assertEquals(16f, s[1]);
        assertEquals(1f, s[2]);
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double exact = 0, magnitude = 0;
                for (int k = 0; k < cols; k++) {
                    exact += (double) w[r * cols + k] * x[t * cols + k];
                    magnitude += Math.abs((double) w[r * cols + k] * x[t * cols + k]);
                }
                float got = scaled[t * rows + r];
                assertTrue(Float.isFinite(got), "token " + t + " row " + r);
                // both operands rounded to F16 (2^-11 relative each)
                assertEquals(exact, got, magnitude * 1.1e-3, "token " + t + " row " + r);
            }
        }
        for (int r = 0; r < rows; r++) {
            assertEquals(plain[2 * rows + r], scaled[2 * rows + r], "a row that fits is unchanged");
        }
    }

    @Test
    void scaledRowsFitF16AndScalesArePowersOfTwo() {
        float[] x = {65504f, 65505f, 1e9f, -3.4e38f, Float.POSITIVE_INFINITY, 0f};
        float[] s = F16Scales.of(x, 1, x.length);
        assertEquals(1f, s[0], "65504 fits");
        assertEquals(2f, s[1]);
        for (int t = 0; t < x.length; t++) {
            assertEquals(0, Float.floatToIntBits(s[t]) & 0x7FFFFF, "power of two: " + s[t]);
            if (Float.isFinite(x[t])) {
                assertTrue(Float.isFinite(Float.float16ToFloat(Float.floatToFloat16(x[t] / s[t]))), "row " + t);
            }
        }
        assertEquals(1f, s[4], "a non-finite row is left as it is");
    }
}
