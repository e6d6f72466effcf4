package dev.kiln.server.slot;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from logits with the request's settings, in llama.cpp's default order: presence/frequency
 * penalties (OpenAI semantics, over the tokens generated so far), top-k, temperature, softmax, top-p, min-p, then a
 * seeded draw. Temperature 0 is greedy (argmax, lowest id on ties), independent of the other settings.
 */
final class TokenSampler {

    private final GenerationParams params;
    private final SplittableRandom random;
    private final int[] counts;           // [vocab] times each token was generated, for penalties

    TokenSampler(GenerationParams params, int vocabularySize) {
        this.params = params;
        this.random = params.seed() >= 0 ? new SplittableRandom(params.seed()) : new SplittableRandom();
        this.counts = new int[vocabularySize];
    }

    /** Records a token the reply contains (sampled or forced), for the penalties. */
    void accept(int token) {
        counts[token]++;
    }

    int sample(float[] logits) {
        float[] l = logits;
        if (params.presencePenalty() != 0 || params.frequencyPenalty() != 0) {
            l = logits.clone();
            for (int i = 0; i < l.length; i++) {
                if (counts[i] > 0) {
                    l[i] -= (float) (params.presencePenalty() + params.frequencyPenalty() * counts[i]);
                }
            }
        }
        if (params.temperature() <= 0) {
            return argmax(l);
        }
        Integer[] order = new Integer[l.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        float[] lf = l;
        Arrays.sort(order, (a, b) -> lf[a] != lf[b] ? Float.compare(lf[b], lf[a]) : Integer.compare(a, b));
        int n = params.topK() > 0 ? Math.min(params.topK(), order.length) : order.length;
        double[] p = new double[n];      // [n] probabilities of the candidates, in descending order
        double max = l[order[0]] / params.temperature();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(l[order[i]] / params.temperature() - max);
            sum += p[i];
        }
        double cumulative = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        if (params.topP() < 1) {
            for (int i = 0; i < n; i++) {
                cumulative += p[i];
                if (cumulative >= params.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        if (params.minP() > 0) {
            double threshold = p[0] * params.minP();
            int k = 1;
            while (k < keep && p[k] >= threshold) {
                k++;
            }
            keep = k;
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += p[i];
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= p[i];
            if (r <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
