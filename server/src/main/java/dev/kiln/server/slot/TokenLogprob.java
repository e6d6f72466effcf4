package dev.kiln.server.slot;

import dev.kiln.core.sampling.Logprobs;

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
        int[] ids = new int[Math.max(0, topN)];
        float[] logprobs = new float[ids.length];
        int n = Logprobs.top(logits, topN, ids, logprobs);
        List<Alternative> top = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            top.add(new Alternative(ids[i], logprobs[i]));
        }
        return new TokenLogprob(token, Logprobs.of(logits, token), top);
    }
}
