package dev.kiln.cpu;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuAttentionTest {

    @Test
    void gemmEqualsScalarReference() {
        Random random = new Random(1);
        for (int[] mnk : new int[][] {{1, 1, 1}, {3, 17, 5}, {4, 64, 64}, {9, 130, 33}, {16, 257, 64}}) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            float[] a = new float[2 + m * (k + 3)];
            float[] b = new float[5 + k * (n + 7)];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian();
            }
            float[] fast = new float[1 + m * (n + 2)];
            float[] slow = new float[fast.length];
            AttentionGemm.multiply(a, 2, k + 3, b, 5, n + 7, fast, 1, n + 2, m, n, k);
            AttentionGemm.multiplyScalar(a, 2, k + 3, b, 5, n + 7, slow, 1, n + 2, m, n, k);
            assertArrayEquals(slow, fast, m + "x" + n + "x" + k);
        }
    }

    @Test
    void softmaxAgreesWithScalarReference() {
        Random random = new Random(2);
        for (int valid : new int[] {1, 5, 16, 37, 300}) {
            float[] x = new float[valid + 20];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian() * 8;
            }
            float[] y = x.clone();
            VectorMath.softmax(x, 3, valid, valid + 10);
            VectorMath.softmaxScalar(y, 3, valid, valid + 10);
            float sum = 0;
            for (int i = 3; i < 3 + valid; i++) {
                assertEquals(y[i], x[i], 1e-6f + 1e-5f * y[i], "valid " + valid + ", i " + i);
                sum += x[i];
            }
            assertEquals(1f, sum, 1e-5f);
            for (int i = 3 + valid; i < 13 + valid; i++) {
                assertEquals(0f, x[i]);
            }
        }
    }

    /**
     * Against a plain double-precision attention, for F32, F16 and Q8_0 caches (the cache's own rounding is in both):
     * a prompt of one sequence (rows at increasing cells), then a mixed batch of two sequences with rows out of
     * order, GQA groups of 1 and 4, the mistral3 temperature on.
     */
    @Test
    void equalsADoublePrecisionReference() {
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0}) {
            for (int[] heads : new int[][] {{4, 4}, {8, 2}}) {
                check(type, heads[0], heads[1], 32, 37, new int[] {0}, null);
                check(type, heads[0], heads[1], 64, 0, new int[] {1, 0, 1, 1, 0}, new int[] {12, 30, 13, 5, 31});
            }
        }
    }

    private static void check(GgmlType type, int heads, int headsKv, int headLength, int promptRows, int[] seqs, int[] cellsGiven) {
        Random random = new Random(type.ordinal() * 31L + heads);
        int sequences = 2;
        int capacity = 64;
        int kw = headsKv * headLength;
        Attention shape = new Attention(heads, headsKv, headLength, headLength, (float) (1 / Math.sqrt(headLength)), 0.1f, 8);
        CpuTensor.Cache keys = CpuTensor.Cache.allocate(type, (long) sequences * capacity * kw);
        CpuTensor.Cache values = CpuTensor.Cache.allocate(type, (long) sequences * capacity * kw);
        float[] row = new float[kw];
        for (int r = 0; r < sequences * capacity; r++) {
            for (int i = 0; i < kw; i++) {
                row[i] = (float) random.nextGaussian();
            }
            keys.store(row, 0, r * kw, kw);
            for (int i = 0; i < kw; i++) {
                row[i] = (float) random.nextGaussian();
            }
            values.store(row, 0, r * kw, kw);
        }
        int rows = cellsGiven == null ? promptRows : cellsGiven.length;
        int[] seq = new int[rows];
        int[] cells = new int[rows];
        int[] pos = new int[rows];
        for (int r = 0; r < rows; r++) {
            seq[r] = cellsGiven == null ? seqs[0] : seqs[r];
            cells[r] = cellsGiven == null ? 20 + r : cellsGiven[r];
            pos[r] = cells[r] + 3;
        }
        Batch batch = new Batch(new int[rows], seq, pos, cells, new boolean[rows]);
        float[] q = new float[rows * heads * headLength];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        KvLayer kv = new KvLayer(keys, values, type, sequences, capacity, kw, kw);
        float[] out = new float[rows * heads * headLength];
        try (CpuThreads threads = new CpuThreads(2)) {
            new CpuAttention(threads).apply(out, q, kv, keys, values, batch, shape);
        }
        float[] k = new float[headLength];
        float[] v = new float[headLength];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                int kvHead = h / (heads / headsKv);
                double scale = shape.scale() * shape.temperature(pos[r]);
                double[] score = new double[cells[r] + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= cells[r]; t++) {
                    keys.load((int) (kv.row(seq[r], t) * kw + kvHead * headLength), k, 0, headLength);
                    double dot = 0;
                    for (int d = 0; d < headLength; d++) {
                        dot += (double) q[(r * heads + h) * headLength + d] * k[d];
                    }
                    score[t] = dot * scale;
                    max = Math.max(max, score[t]);
                }
                double sum = 0;
                for (int t = 0; t <= cells[r]; t++) {
                    score[t] = Math.exp(score[t] - max);
                    sum += score[t];
                }
                double[] o = new double[headLength];
                for (int t = 0; t <= cells[r]; t++) {
                    values.load((int) (kv.row(seq[r], t) * kw + kvHead * headLength), v, 0, headLength);
                    for (int d = 0; d < headLength; d++) {
                        o[d] += score[t] / sum * v[d];
                    }
                }
                for (int d = 0; d < headLength; d++) {
                    float got = out[(r * heads + h) * headLength + d];
                    assertTrue(Math.abs(got - o[d]) <= 2e-5, type + " row " + r + " head " + h + " dim " + d
                            + ": " + got + " vs " + o[d]);
                }
            }
        }
    }
}
