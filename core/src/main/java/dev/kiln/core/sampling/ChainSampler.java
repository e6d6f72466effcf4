package dev.kiln.core.sampling;

import java.util.Arrays;

/**
 * llama.cpp's default sampler chain (common/sampling.cpp with the default sampler order of common/common.h):
 * penalties -> top-k -> top-p -> min-p -> temperature -> seeded draw (llama.cpp's {@code dist} sampler).
 * The filters follow llama-sampling.cpp: top-p keeps the sorted prefix whose softmax mass first reaches p
 * (softmax taken at temperature 1 over what top-k kept); min-p keeps logits {@code >= max + ln(p)}; at least
 * one token always survives. The draw uses a SplitMix64 generator, so a seed gives the same tokens on every JVM
 * (not the same tokens as llama.cpp's mt19937).
 *
 * <p>Buffers sized by the vocabulary are allocated on the first call and reused; a call allocates nothing.
 */
final class ChainSampler implements Sampler {

    private final SamplingParams params;
    private final long seed;
    private long rngState;

    // Penalty window: the last repeatLastN accepted tokens (all of them when repeatLastN == -1), as a ring.
    private int[] history;
    private int historyStart;
    private int historySize;

    private float[] penalized;   // [n_vocab] logits after the penalties
    private int[] counts;        // [n_vocab] occurrences in the window, all zero between calls
    private long[] keys;         // [n_vocab] packed (logit, id) candidates, best first
    private float[] candidates;  // [n_candidates] logits of the surviving candidates, best first
    private double[] weights;    // [n_candidates] unnormalized probabilities

    ChainSampler(SamplingParams params, long seed) {
        this.params = params;
        this.seed = seed;
        this.rngState = seed;
        this.history = new int[params.repeatLastN() > 0 ? params.repeatLastN() : 64];
    }

    @Override
    public int sample(float[] logits) {
        int n = logits.length;
        if (n == 0) {
            throw new IllegalArgumentException("cannot sample from empty logits");
        }
        float[] scores = logits;
        if (params.hasPenalties()) {
            ensureCapacity(n);
            System.arraycopy(logits, 0, penalized, 0, n);
            applyPenalties(penalized, n);
            scores = penalized;
        }
        if (params.isGreedy()) {
            return Samplers.argmax(scores, n);
        }
        ensureCapacity(n);

        // top-k (k <= 0: keep all, sorted)
        int m = TopK.select(scores, n, params.topK(), keys);
        for (int i = 0; i < m; i++) {
            candidates[i] = scores[TopK.id(keys[i])];
        }
        float max = candidates[0];

        // top-p over the softmax (temperature 1) of what top-k kept
        if (params.topP() < 1f) {
            double sum = 0;
            for (int i = 0; i < m; i++) {
                weights[i] = Math.exp(candidates[i] - max);
                sum += weights[i];
            }
            double cumulative = 0;
            double target = params.topP() * sum;
            for (int i = 0; i < m; i++) {
                cumulative += weights[i];
                if (cumulative >= target) {
                    m = i + 1;
                    break;
                }
            }
        }

        // min-p: p_i >= min_p * p_max  <=>  logit_i >= max + ln(min_p)
        if (params.minP() > 0f) {
            float threshold = max + (float) Math.log(params.minP());
            int kept = 1;
            while (kept < m && candidates[kept] >= threshold) {
                kept++;
            }
            m = kept;
        }

        // temperature, then the draw from the softmax
        double invTemp = 1.0 / params.temperature();
        double sum = 0;
        for (int i = 0; i < m; i++) {
            weights[i] = Math.exp((candidates[i] - max) * invTemp);
            sum += weights[i];
        }
        double u = nextDouble() * sum;
        double cumulative = 0;
        for (int i = 0; i < m; i++) {
            cumulative += weights[i];
            if (u < cumulative) {
                return TopK.id(keys[i]);
            }
        }
        return TopK.id(keys[m - 1]);
    }

    /** llama.cpp's penalties sampler: repeat penalty by sign, then frequency and presence. */
    private void applyPenalties(float[] scores, int n) {
        int window = historySize;
        for (int j = 0; j < window; j++) {
            int t = history[(historyStart + j) % history.length];
            if (t >= 0 && t < n) {
                counts[t]++;
            }
        }
        for (int j = 0; j < window; j++) {
            int t = history[(historyStart + j) % history.length];
            if (t < 0 || t >= n || counts[t] == 0) {
                continue; // out of this vocabulary, or already penalized
            }
            int count = counts[t];
            counts[t] = 0;
            float s = scores[t];
            s = s <= 0f ? s * params.repeatPenalty() : s / params.repeatPenalty();
            s -= count * params.frequencyPenalty() + params.presencePenalty();
            scores[t] = s;
        }
    }

    @Override
    public void accept(int token) {
        int limit = params.repeatLastN();
        if (limit == 0) {
            return;
        }
        if (limit < 0 && historySize == history.length) {
            // unbounded window: grow (the ring is contiguous from historyStart)
            int[] grown = new int[history.length * 2];
            for (int j = 0; j < historySize; j++) {
                grown[j] = history[(historyStart + j) % history.length];
            }
            history = grown;
            historyStart = 0;
        }
        if (historySize < history.length) {
            history[(historyStart + historySize) % history.length] = token;
            historySize++;
        } else {
            history[historyStart] = token;
            historyStart = (historyStart + 1) % history.length;
        }
    }

    @Override
    public void reset() {
        historyStart = 0;
        historySize = 0;
        rngState = seed;
    }

    private void ensureCapacity(int n) {
        if (penalized == null || penalized.length < n) {
            penalized = new float[n];
            counts = new int[n];
            keys = new long[n];
            candidates = new float[n];
            weights = new double[n];
        }
    }

    /** SplitMix64 (Steele, Lea, Flood 2014): uniform in [0, 1) with 53 random bits. */
    private double nextDouble() {
        long z = (rngState += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53;
    }

    @Override
    public String toString() {
        return "ChainSampler" + params + " seed=" + seed + " history=" + Arrays.toString(
                Arrays.copyOf(history, Math.min(historySize, 8)));
    }
}
