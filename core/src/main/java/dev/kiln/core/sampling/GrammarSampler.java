package dev.kiln.core.sampling;

import dev.kiln.core.grammar.GrammarMatcher;

/**
 * A sampler under a grammar: tokens the grammar does not allow get a logit of minus infinity before the wrapped
 * chain runs (so penalties, top-k, top-p, min-p and the draw only see allowed tokens), and each sampled token
 * advances the matcher. Tokens that reach {@link #accept} without having been sampled here (prompt tokens, forced
 * tokens) do not move the matcher.
 *
 * <p>With a token budget, when the tokens left are about to be too few to finish the text, only tokens that follow
 * a shortest way to the end are allowed, so that output cut by {@code max_tokens} still parses where the budget
 * allows it.
 */
public final class GrammarSampler implements Sampler {

    /** How close (in bytes of distance to the end) the budget must come before tokens are checked against it. */
    private static final int NEAR = 256;

    private final Sampler inner;
    private final GrammarMatcher matcher;
    private final long[] mask;
    private float[] masked;            // [n_vocab] logits with disallowed tokens at -infinity
    private int pending = -1;          // the token sample() returned, until accepted
    private int budget;                // tokens left; < 0 unlimited

    /** @param budget the most tokens that will be sampled ({@code < 0}: no limit) */
    public GrammarSampler(Sampler inner, GrammarMatcher matcher, int budget) {
        this.inner = inner;
        this.matcher = matcher;
        this.mask = new long[matcher.grammar().maskWords()];
        this.budget = budget;
    }

    public GrammarMatcher matcher() {
        return matcher;
    }

    @Override
    public int sample(float[] logits) {
        long[] allowed = matcher.mask();
        int distance = budget >= 0 ? matcher.distanceToEnd() : 0;
        if (budget >= 0 && budget - 2 < distance + NEAR) {
            // near the end of the budget: keep the end reachable (each token adds a byte or more, and the
            // end-of-generation token needs a turn of its own)
            long[] feasible = matcher.maskWithin(budget - 2);
            if (!isEmpty(feasible)) {
                allowed = feasible;
            } else {
                long[] closing = matcher.closingMask();
                if (!isEmpty(closing)) {
                    allowed = closing;
                }
            }
        }
        int n = logits.length;
        if (masked == null || masked.length != n) {
            masked = new float[n];
        }
        boolean any = false;
        for (int w = 0; w * 64 < n; w++) {
            long bits = w < allowed.length ? allowed[w] : 0L;
            int base = w * 64;
            int end = Math.min(64, n - base);
            if (bits == 0) {
                java.util.Arrays.fill(masked, base, base + end, Float.NEGATIVE_INFINITY);
                continue;
            }
            for (int i = 0; i < end; i++) {
                masked[base + i] = (bits & (1L << i)) != 0 ? logits[base + i] : Float.NEGATIVE_INFINITY;
            }
            any = true;
        }
        if (!any) {
            throw new IllegalStateException("the grammar allows no token here (the vocabulary cannot write what it"
                    + " requires)");
        }
        int token = inner.sample(masked);
        if (masked[token] == Float.NEGATIVE_INFINITY) {
            token = best(masked);   // a sampler that ignores -infinity (every allowed logit was -infinity too)
        }
        pending = token;
        return token;
    }

    private static boolean isEmpty(long[] bits) {
        for (long b : bits) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static int best(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public void accept(int token) {
        if (token == pending) {
            pending = -1;
            if (!matcher.accept(token)) {
                throw new IllegalStateException("token " + token + " was sampled but the grammar rejects it");
            }
            if (budget > 0) {
                budget--;
            }
        }
        inner.accept(token);
    }

    @Override
    public void reset() {
        inner.reset();
        matcher.reset();
        pending = -1;
    }
}
