package dev.kiln.server.slot;

import java.util.ArrayList;
import java.util.List;

/**
 * The log-probability of a chosen token under the model's distribution (log-softmax of the raw logits, as OpenAI
 * reports it) and the {@code top_logprobs} most likely alternatives.
 */
public record TokenLogprob(int token, double logprob, List<Alternative> top) {

    public record Alternative(int token, double logprob) {
    }

    static TokenLogprob of(float[] logits, int token, int topN) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : logits) {
            sum += Math.exp(v - max);
        }
        double logZ = max + Math.log(sum);
        List<Alternative> top = new ArrayList<>(topN);
        boolean[] taken = new boolean[logits.length];
        for (int k = 0; k < Math.min(topN, logits.length); k++) {
            int best = -1;
            for (int i = 0; i < logits.length; i++) {
                if (!taken[i] && (best < 0 || logits[i] > logits[best])) {
                    best = i;
                }
            }
            taken[best] = true;
            top.add(new Alternative(best, logits[best] - logZ));
        }
        return new TokenLogprob(token, logits[token] - logZ, top);
    }
}
