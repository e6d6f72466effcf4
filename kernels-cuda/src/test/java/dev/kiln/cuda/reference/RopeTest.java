package dev.kiln.cuda.reference;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class RopeTest {

    /** Plain RoPE as a rotation by pos * base^(-2p/n), in double, written independently of Rope. */
    static float[] rotate(float[] x, int heads, int headDim, int nDims, boolean neox, double base, int pos) {
        float[] out = x.clone();
        for (int h = 0; h < heads; h++) {
            for (int p = 0; p < nDims / 2; p++) {
                double theta = pos * Math.pow(base, -2.0 * p / nDims);
                int i0 = h * headDim + (neox ? p : 2 * p), i1 = h * headDim + (neox ? p + nDims / 2 : 2 * p + 1);
                out[i0] = (float) (x[i0] * Math.cos(theta) - x[i1] * Math.sin(theta));
                out[i1] = (float) (x[i0] * Math.sin(theta) + x[i1] * Math.cos(theta));
            }
        }
        return out;
    }

    @Test
    void plainRopeRotatesBothPairings() {
        Random random = new Random(3);
        for (boolean neox : new boolean[] {false, true}) {
            for (int pos : new int[] {0, 1, 17, 4095}) {
                float[] x = RandomBlocks.floats(2 * 128, random);
                float[] got = x.clone();
                Rope.plain(96, neox, 10000f).apply(got, 2, 128, pos);   // nDims < headDim: the tail stays
                assertArrayEquals(rotate(x, 2, 128, 96, neox, 10000, pos), got, 2e-3f, "neox " + neox + " pos " + pos);
            }
        }
    }

    @Test
    void yarnCorrectionDimsOfQwen3Yarn() {
        // DeepSeek-R1-0528-Qwen3-8B: head 128, original context 32768, base 1e6, beta_fast 32, beta_slow 1
        float[] dims = Rope.corrDims(128, 32768, 1e6f, 32f, 1f);
        assertEquals(23f, dims[0]);
        assertEquals(40f, dims[1]);
    }

    @Test
    void yarnExtrapolatesFastPairsAndInterpolatesSlowOnes() {
        float factor = 4f, base = 1e6f;
        float[] dims = Rope.corrDims(128, 32768, base, 32f, 1f);
        float mscaleWanted = 1 + 0.1f * (float) Math.log(factor);
        Rope yarn = new Rope(128, true, base, 1 / factor, 1f, 1f, dims[0], dims[1], null);
        int pos = 1000;
        for (int p : new int[] {0, 5, 22, 41, 63}) {
            double theta = pos * Math.pow(base, -2.0 * p / 128);
            double wanted = p <= dims[0] ? theta : p >= dims[1] ? theta / factor : Double.NaN;
            if (Double.isNaN(wanted)) {
                continue;
            }
            float[] cs = yarn.cosSin(pos, p);
            assertEquals(Math.cos(wanted) * mscaleWanted, cs[0], 1e-3, "pair " + p);
            assertEquals(Math.sin(wanted) * mscaleWanted, cs[1], 1e-3, "pair " + p);
        }
        // between the correction dims the angle lies strictly between interpolation and extrapolation
        float[] mid = yarn.cosSin(1, 31);
        double thetaMid = Math.atan2(mid[1], mid[0]), extrap = Math.pow(base, -62.0 / 128);
        assertEquals(true, thetaMid < extrap && thetaMid > extrap / factor, "pair 31 angle " + thetaMid);
    }

    @Test
    void frequencyTableEqualsYarnBlendAtEveryPosition() {
        float[] dims = Rope.corrDims(128, 8192, 1e8f, 32f, 1f);   // mistral3-small: factor 48, original context 8192
        Rope yarn = new Rope(128, false, 1e8f, 1 / 48f, 1f, 1f, dims[0], dims[1], null);
        float[] freqs = yarn.frequencies();
        for (int pos : new int[] {0, 1, 100, 8160}) {
            for (int p = 0; p < 64; p++) {
                float[] cs = yarn.cosSin(pos, p);
                double theta = (float) pos * freqs[p];
                double tolerance = 1e-6 * pos + 1e-5;   // float angles: a few ulps of pos * freq
                assertEquals(cs[0], Math.cos(theta) * yarn.magnitude(), tolerance, "cos pos " + pos + " pair " + p);
                assertEquals(cs[1], Math.sin(theta) * yarn.magnitude(), tolerance, "sin pos " + pos + " pair " + p);
            }
        }
    }

    @Test
    void freqFactorsDivideTheAngle() {
        float[] ff = new float[32];
        java.util.Arrays.fill(ff, 2f);
        Rope withFactors = new Rope(64, false, 10000f, 1f, 0f, 1f, 0f, 0f, ff);
        Rope plain = Rope.plain(64, false, 10000f);
        for (int p = 0; p < 32; p++) {
            assertArrayEquals(plain.cosSin(50, p), withFactors.cosSin(100, p), 1e-4f, "pair " + p);
        }
    }
}
