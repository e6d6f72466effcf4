package dev.kiln.core.sampling;

/**
 * Log-probabilities of the raw logits (log-softmax at temperature 1, before any sampler), as OpenAI-style
 * {@code logprobs} / {@code top_logprobs} and llama.cpp's server report them.
 */
public final class Logprobs {

    private Logprobs() {
    }

    /** {@code log(sum(exp(logits)))}, computed stably. */
    public static double logSumExp(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** Log-probability of one token. */
    public static float of(float[] logits, int token) {
        return (float) (logits[token] - logSumExp(logits));
    }

    /**
     * Writes the {@code n} most likely tokens, most likely first, into {@code ids} and their log-probabilities
     * into {@code logprobs}, and returns how many were written ({@code min(n, logits.length)}).
     */
    public static int top(float[] logits, int n, int[] ids, float[] logprobs) {
        if (n <= 0) {
            return 0;
        }
        int k = Math.min(n, logits.length);
        long[] keys = new long[k]; // k < length: heap of k; k == length: full sort of k
        int written = TopK.select(logits, logits.length, k, keys);
        double lse = logSumExp(logits);
        for (int i = 0; i < written; i++) {
            int id = TopK.id(keys[i]);
            ids[i] = id;
            logprobs[i] = (float) (logits[id] - lse);
        }
        return written;
    }
}
