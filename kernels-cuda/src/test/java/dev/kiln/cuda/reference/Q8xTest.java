package dev.kiln.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Q8xTest {

    @Test
    void errorIsAtMostHalfAStepAndExtremesHit127() {
        float[] x = RandomBlocks.floats(4096, new Random(7));
        Q8x q = Q8x.of(x);
        float[] back = q.dequantize();
        for (int b = 0; b < x.length / 32; b++) {
            int max = 0;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                assertTrue(Math.abs(x[i] - back[i]) <= q.d()[b] * 0.5f * 1.0001f, "element " + i);
                max = Math.max(max, Math.abs(q.q()[i]));
            }
            assertEquals(127, max, "block " + b);
        }
    }

    @Test
    void roundsHalfToEvenAndKeepsZeroBlocks() {
        float[] x = new float[64];
        x[0] = 127f;
        x[1] = 2.5f;   // 2.5 * (1 / 1) rounds to 2, not 3
        x[2] = -3.5f;  // to -4
        Q8x q = Q8x.of(x);
        assertEquals(2, q.q()[1]);
        assertEquals(-4, q.q()[2]);
        assertEquals(0f, q.d()[1]);
        assertEquals(0, q.q()[40]);
        assertThrows(IllegalArgumentException.class, () -> Q8x.of(new float[33]));
    }
}
