package dev.kiln.core.sampling;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The chain's order and each filter's rule, checked on seeded draws: every case is built so that a wrong order
 * (or a wrong rule) changes the set of tokens that can come out, or their frequencies.
 */
class SamplersTest {

    private static final int DRAWS = 20_000;
    /** About 4 standard deviations of a frequency estimated from DRAWS draws. */
    private static final double FREQUENCY_TOLERANCE = 0.015;

    private static SamplingParams plain() {
        // everything off: temperature 1, no filters, no penalties
        return new SamplingParams(1f, 0, 1f, 0f, 1f, 64, 0f, 0f, 42);
    }

    private static double[] frequencies(Sampler sampler, float[] logits) {
        double[] f = new double[logits.length];
        for (int i = 0; i < DRAWS; i++) {
            f[sampler.sample(logits)] += 1.0 / DRAWS;
        }
        return f;
    }

    private static double[] softmax(double... x) {
        double max = Arrays.stream(x).max().orElseThrow();
        double[] e = Arrays.stream(x).map(v -> Math.exp(v - max)).toArray();
        double sum = Arrays.stream(e).sum();
        return Arrays.stream(e).map(v -> v / sum).toArray();
    }

    private static void assertFrequencies(double[] expected, double[] actual) {
        for (int i = 0; i < actual.length; i++) {
            double want = i < expected.length ? expected[i] : 0.0;
            if (want == 0.0) {
                assertEquals(0.0, actual[i], "token " + i + " must never be drawn; got " + Arrays.toString(actual));
            } else {
                assertEquals(want, actual[i], FREQUENCY_TOLERANCE, "frequency of token " + i
                        + ": expected " + Arrays.toString(expected) + " got " + Arrays.toString(actual));
            }
        }
    }

    @Test
    void defaultsAreLlamaCpps() {
        SamplingParams d = SamplingParams.DEFAULTS;
        assertEquals(0.8f, d.temperature());
        assertEquals(40, d.topK());
        assertEquals(0.95f, d.topP());
        assertEquals(0.05f, d.minP());
        assertEquals(1.0f, d.repeatPenalty());
        assertEquals(64, d.repeatLastN());
        assertEquals(0f, d.presencePenalty());
        assertEquals(0f, d.frequencyPenalty());
        assertEquals(SamplingParams.RANDOM_SEED, d.seed());
        assertTrue(SamplingParams.GREEDY.isGreedy());
    }

    @Test
    void invalidValuesAreRejectedWithTheirName() {
        var e = assertThrows(IllegalArgumentException.class, () -> SamplingParams.DEFAULTS.withTopP(1.5f));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.DEFAULTS.withMinP(-0.1f));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.DEFAULTS.withRepeatPenalty(0f));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.DEFAULTS.withRepeatLastN(-2));
        assertThrows(IllegalArgumentException.class, () -> SamplingParams.DEFAULTS.withTemperature(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> Samplers.greedy().sample(new float[0]));
    }

    @Test
    void greedyIsArgmaxAndZeroTemperatureIsGreedy() {
        float[] logits = new float[1000];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextDouble(-5, 5);
        }
        logits[617] = 9f;
        assertEquals(617, Samplers.greedy().sample(logits));
        assertEquals(617, Samplers.of(SamplingParams.GREEDY).sample(logits));
        assertEquals(617, Samplers.of(SamplingParams.DEFAULTS.withTemperature(-1f)).sample(logits));
        // ties go to the lowest id
        assertEquals(1, Samplers.greedy().sample(new float[] {0f, 3f, 3f}));
    }

    @Test
    void logitsAreNotModified() {
        float[] logits = {1f, 2f, 3f, -1f};
        float[] copy = logits.clone();
        Sampler s = Samplers.of(SamplingParams.DEFAULTS.withSeed(3).withRepeatPenalty(2f).withPresencePenalty(1f));
        s.accept(2);
        s.sample(logits);
        assertArrayEquals(copy, logits);
    }

    @Test
    void sameSeedSameTokensAndResetRestarts() {
        float[] logits = new float[500];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        SamplingParams p = SamplingParams.DEFAULTS.withTopK(0).withTopP(1f).withMinP(0f).withTemperature(1.5f);
        int[] a = draw(Samplers.of(p.withSeed(11)), logits, 50);
        int[] b = draw(Samplers.of(p.withSeed(11)), logits, 50);
        int[] c = draw(Samplers.of(p.withSeed(12)), logits, 50);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(c));
        Sampler s = Samplers.of(p.withSeed(11));
        draw(s, logits, 20);
        s.reset();
        assertArrayEquals(a, draw(s, logits, 50));
    }

    private static int[] draw(Sampler s, float[] logits, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = s.sample(logits);
        }
        return out;
    }

    @Test
    void temperatureOneDrawsTheSoftmax() {
        float[] logits = {1.0f, 0.5f, -0.3f, 0.0f, 2.0f};
        double[] f = frequencies(Samplers.of(plain()), logits);
        assertFrequencies(softmax(1.0, 0.5, -0.3, 0.0, 2.0), f);
        double[] hot = frequencies(Samplers.of(plain().withTemperature(2f)), logits);
        assertFrequencies(softmax(0.5, 0.25, -0.15, 0.0, 1.0), hot);
    }

    @Test
    void topKComesBeforeTopP() {
        // top-k 2 leaves {0, 1} with p0 = e/(e+1) = 0.73 >= 0.7, so top-p keeps token 0 alone.
        // top-p over all ten tokens first would keep several, and top-k would then leave {0, 1}.
        float[] logits = {1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f};
        double[] f = frequencies(Samplers.of(plain().withTopK(2).withTopP(0.7f)), logits);
        assertFrequencies(new double[] {1.0}, f);
        // and with p above 0.73 both survive, in the proportions of the renormalized pair
        double[] g = frequencies(Samplers.of(plain().withTopK(2).withTopP(0.8f)), logits);
        assertFrequencies(softmax(1, 0), g);
    }

    @Test
    void topKKeepsTheKLargest() {
        float[] logits = {0.1f, 3f, -2f, 2.5f, 2.9f, 0f};
        double[] f = frequencies(Samplers.of(plain().withTopK(3)), logits);
        assertFrequencies(new double[] {0, softmax(3, 2.5, 2.9)[0], 0, softmax(3, 2.5, 2.9)[1],
                softmax(3, 2.5, 2.9)[2], 0}, f);
    }

    @Test
    void minPIsAppliedBeforeTemperature() {
        // At temperature 1, min-p 0.1 keeps logits >= ln 0.1 = -2.30: {0, -1, -2}. Temperature 3 applied first
        // would flatten the distribution and keep all five.
        float[] logits = {0f, -1f, -2f, -3f, -4f};
        double[] f = frequencies(Samplers.of(plain().withMinP(0.1f).withTemperature(3f)), logits);
        assertFrequencies(softmax(0.0, -1 / 3.0, -2 / 3.0), f);
    }

    @Test
    void topPIsAppliedBeforeTemperatureAndIncludesTheCrossingToken() {
        // At temperature 1 the probabilities are .644, .237, .087, .032: mass .8 is first reached with token 1.
        float[] logits = {0f, -1f, -2f, -3f};
        double[] f = frequencies(Samplers.of(plain().withTopP(0.8f).withTemperature(5f)), logits);
        assertFrequencies(softmax(0.0, -0.2), f);
    }

    @Test
    void penaltiesComeFirst() {
        // Token 0 was seen: 3 / 1.5 = 2 < 2.9, so top-k 1 must keep token 1 only.
        float[] logits = {3f, 2.9f, 0f, 0f};
        Sampler s = Samplers.of(plain().withTopK(1).withRepeatPenalty(1.5f));
        s.accept(0);
        assertFrequencies(new double[] {0, 1.0}, frequencies(s, logits));
    }

    @Test
    void repeatPenaltyDependsOnTheSignOfTheLogit() {
        // negative logits are multiplied: -1 * 1.5 = -1.5 < -1.2 (dividing would give -0.67 and keep token 0)
        Sampler s = Samplers.of(SamplingParams.GREEDY.withRepeatPenalty(1.5f));
        s.accept(0);
        assertEquals(1, s.sample(new float[] {-1f, -1.2f}));
        // positive logits are divided: 1 / 1.5 = 0.67 < 0.7
        Sampler t = Samplers.of(SamplingParams.GREEDY.withRepeatPenalty(1.5f));
        t.accept(0);
        assertEquals(1, t.sample(new float[] {1f, 0.7f}));
    }

    @Test
    void frequencyPenaltyCountsOccurrencesAndPresenceCountsOnce() {
        SamplingParams p = SamplingParams.GREEDY.withFrequencyPenalty(0.2f).withPresencePenalty(0.15f);
        float[] logits = {1.0f, 0.5f, 0.2f};
        Sampler once = Samplers.of(p);
        once.accept(0);                     // 1 - 0.2 - 0.15 = 0.65 > 0.5
        assertEquals(0, once.sample(logits));
        Sampler twice = Samplers.of(p);
        twice.accept(0);
        twice.accept(0);                    // 1 - 0.4 - 0.15 = 0.45 < 0.5
        assertEquals(1, twice.sample(logits));
    }

    @Test
    void penaltiesOnlySeeTheLastNTokens() {
        SamplingParams p = SamplingParams.GREEDY.withRepeatPenalty(4f).withRepeatLastN(2);
        float[] logits = {1f, 0.5f, 0f, 0f};
        Sampler s = Samplers.of(p);
        s.accept(0);
        s.accept(2);
        assertEquals(1, s.sample(logits), "token 0 is in the window of 2");
        s.accept(3);
        assertEquals(0, s.sample(logits), "token 0 has left the window of 2");
        s.reset();
        assertEquals(0, s.sample(logits), "reset forgets the history");

        Sampler all = Samplers.of(p.withRepeatLastN(-1));
        all.accept(0);
        for (int i = 0; i < 500; i++) {
            all.accept(3);
        }
        assertEquals(1, all.sample(logits), "-1 keeps every token");
        Sampler off = Samplers.of(p.withRepeatLastN(0));
        off.accept(0);
        assertEquals(0, off.sample(logits), "0 turns the penalties off");
    }

    @Test
    void defaultChainOnALargeVocabularyStaysInTheTop40() {
        float[] logits = new float[32000];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 3);
        }
        float[] sorted = logits.clone();
        Arrays.sort(sorted);
        float fortieth = sorted[sorted.length - 40];
        Sampler s = Samplers.of(SamplingParams.DEFAULTS.withSeed(9).withTemperature(5f).withMinP(0f)
                .withTopP(1f));
        boolean[] seen = new boolean[logits.length];
        int distinct = 0;
        for (int i = 0; i < 4000; i++) {
            int t = s.sample(logits);
            assertTrue(logits[t] >= fortieth, "drawn token outside the top 40");
            if (!seen[t]) {
                seen[t] = true;
                distinct++;
            }
        }
        assertEquals(40, distinct, "a hot temperature over the top 40 reaches all 40");
    }

    /** Buffers sized by the vocabulary are reused: 200 draws over 32,000 logits allocate (almost) nothing. */
    @Test
    void samplingDoesNotAllocatePerToken() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        float[] logits = new float[32000];
        SplittableRandom r = new SplittableRandom(4);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        Sampler s = Samplers.of(SamplingParams.DEFAULTS.withSeed(1).withRepeatPenalty(1.1f).withPresencePenalty(0.1f));
        for (int i = 0; i < 200; i++) {
            s.accept(s.sample(logits)); // first calls allocate the buffers
        }
        long id = Thread.currentThread().threadId();
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 200; i++) {
            s.accept(s.sample(logits));
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        assertTrue(allocated < 64 * 1024, "200 draws allocated " + allocated + " bytes (one [n_vocab] array is 128 KB)");
    }

    @Test
    void logprobsAreTheLogSoftmax() {
        float[] logits = {2f, -1f, 0.5f, 3f, 0.5f};
        double[] p = softmax(2, -1, 0.5, 3, 0.5);
        int[] ids = new int[3];
        float[] lp = new float[3];
        assertEquals(3, Logprobs.top(logits, 3, ids, lp));
        assertArrayEquals(new int[] {3, 0, 2}, ids);
        assertEquals(Math.log(p[3]), lp[0], 1e-6);
        assertEquals(Math.log(p[0]), lp[1], 1e-6);
        assertEquals(Math.log(p[2]), lp[2], 1e-6);
        assertEquals(Math.log(p[1]), Logprobs.of(logits, 1), 1e-6);
        int[] all = new int[5];
        float[] allLp = new float[5];
        assertEquals(5, Logprobs.top(logits, 10, all, allLp));
        assertArrayEquals(new int[] {3, 0, 2, 4, 1}, all);
    }
}
