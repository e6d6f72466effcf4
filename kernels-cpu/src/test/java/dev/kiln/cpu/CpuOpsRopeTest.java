package dev.kiln.cpu;

import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.Rope;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link CpuOps#rope} against its formula, call after call: the angle table it keeps must follow batch and rope. */
class CpuOpsRopeTest {
    private static final int HEADS = 3;
    private static final int HEAD_LENGTH = 10;

    @Test
    void rotatesEveryBatchByItsOwnPositionsAndRope() {
        Rope normal = new Rope(8, RopePairing.NORMAL, new double[] {1.0, 0.3, 0.05, 0.001}, 1f);
        Rope neox = new Rope(8, RopePairing.NEOX, new double[] {0.9, 0.2, 0.04, 0.002}, 1.3f);
        Batch first = new Batch(new int[] {1, 2}, new int[] {0, 0}, new int[] {5, 6}, new boolean[] {false, true});
        Batch second = new Batch(new int[] {1, 2}, new int[] {0, 1}, new int[] {70, 3}, new boolean[] {true, true});
        Random random = new Random(5);
        try (CpuThreads threads = new CpuThreads(1)) {
            CpuOps ops = new CpuOps(threads);
            // the same batch twice (the table reused), then a new batch, a new rope, and the first batch again
            Object[][] calls = {{first, normal}, {first, normal}, {second, normal}, {second, neox}, {first, neox}};
            for (Object[] call : calls) {
                Batch batch = (Batch) call[0];
                Rope rope = (Rope) call[1];
                float[] x = new float[batch.size() * HEADS * HEAD_LENGTH];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                float[] expected = rotated(x, batch, rope);
                ops.rope(new CpuTensor.Floats(x), HEADS, HEAD_LENGTH, batch, rope);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(expected[i], x[i], 1e-5f, rope.pairing() + " rope, element " + i);
                }
            }
        }
    }

    /** The rope's formula in double, element by element. */
    private static float[] rotated(float[] x, Batch batch, Rope rope) {
        float[] out = x.clone();
        int pairs = rope.dimensions() / 2;
        for (int r = 0; r < batch.size(); r++) {
            for (int h = 0; h < HEADS; h++) {
                int base = (r * HEADS + h) * HEAD_LENGTH;
                for (int i = 0; i < pairs; i++) {
                    int a = base + (rope.pairing() == RopePairing.NEOX ? i : 2 * i);
                    int b = base + (rope.pairing() == RopePairing.NEOX ? i + pairs : 2 * i + 1);
                    double theta = batch.position(r) * rope.frequency(i);
                    double m = rope.magnitude();
                    out[a] = (float) (m * (x[a] * Math.cos(theta) - x[b] * Math.sin(theta)));
                    out[b] = (float) (m * (x[a] * Math.sin(theta) + x[b] * Math.cos(theta)));
                }
            }
        }
        return out;
    }
}
