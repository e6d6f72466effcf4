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
}
