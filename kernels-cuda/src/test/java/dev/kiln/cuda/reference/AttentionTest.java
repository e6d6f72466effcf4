package dev.kiln.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The flash-decoding split and combine of attention.cu equals textbook softmax attention. */
class AttentionTest {

    @Test
    void splitEqualsPlainForEveryLengthAndSplitCount() {
        Random random = new Random(11);
        int heads = 8, kvHeads = 2, headDim = 64, ctx = 512;
        float[] k = RandomBlocks.floats(ctx * kvHeads * headDim, random);
        float[] v = RandomBlocks.floats(ctx * kvHeads * headDim, random);
        float[] q = RandomBlocks.floats(heads * headDim, random);
        float scale = (float) (1 / Math.sqrt(headDim));
        for (int len : new int[] {1, 2, 63, 64, 65, 300, 512}) {
            for (int nsplit : new int[] {1, 2, 8}) {
                int splitLen = (ctx + nsplit - 1) / nsplit;   // as the backend sizes it: fixed by ctx, not len
                for (float softcap : new float[] {0f, 20f}) {
                    float[] want = Attention.plain(q, k, v, len, heads, kvHeads, headDim, scale, softcap);
                    float[] got = Attention.split(q, k, v, len, heads, kvHeads, headDim, scale, softcap, nsplit, splitLen);
                    assertArrayEquals(want, got, 1e-4f, "len " + len + " nsplit " + nsplit + " softcap " + softcap);
                }
            }
        }
    }

    /**
     * Several query rows at once (1, 2, 5, 8 and 16 decode slots, each in its own slice of the cache with its own
     * length), with the decode split, and GQA groups of 4 and of 12 query heads per KV head: each row equals plain
     * attention over its slice.
     */
    @Test
    void severalRowsEachOverItsOwnSliceEqualPlainAttention() {
        Random random = new Random(12);
        int headDim = 64, capacity = 300;
        for (int[] hk : new int[][] {{8, 2}, {24, 2}}) {
            int heads = hk[0], kvHeads = hk[1], kvDim = kvHeads * headDim;
            for (int rows : new int[] {1, 2, 5, 8, 16}) {
                float[] k = RandomBlocks.floats(rows * capacity * kvDim, random), v = RandomBlocks.floats(rows * capacity * kvDim, random);
                float[] q = RandomBlocks.floats(rows * heads * headDim, random);
                int[] start = new int[rows], len = new int[rows];
                float[] scales = new float[rows];
                for (int t = 0; t < rows; t++) {
                    start[t] = t * capacity;
                    len[t] = 1 + random.nextInt(capacity);
                    scales[t] = (float) (1 / Math.sqrt(headDim)) * (1 + 0.1f * t);
                }
                int nsplit = 2, splitLen = (capacity + nsplit - 1) / nsplit;
                float[] got = Attention.rows(q, k, v, start, len, heads, kvHeads, headDim, scales, 0f, nsplit, splitLen);
                for (int t = 0; t < rows; t++) {
                    int from = start[t] * kvDim, to = (start[t] + len[t]) * kvDim;
                    float[] want = Attention.plain(java.util.Arrays.copyOfRange(q, t * heads * headDim, (t + 1) * heads * headDim),
                            java.util.Arrays.copyOfRange(k, from, to), java.util.Arrays.copyOfRange(v, from, to), len[t], heads,
                            kvHeads, headDim, scales[t], 0f);
                    float[] row = java.util.Arrays.copyOfRange(got, t * heads * headDim, (t + 1) * heads * headDim);
                    assertArrayEquals(want, row, 1e-4f, heads + "/" + kvHeads + " heads, " + rows + " rows, row " + t);
                }
            }
        }
    }
}
