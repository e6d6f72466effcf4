package dev.kiln.core.sampling;

import java.util.concurrent.ThreadLocalRandom;

/** Factories for {@link Sampler}s. */
public final class Samplers {

    private Samplers() {
    }

    /** Argmax of the logits (the lowest id wins a tie); no penalties, no randomness. */
    public static Sampler greedy() {
        return new Greedy();
    }

    /**
     * llama.cpp's default chain for these parameters: penalties, top-k, top-p, min-p, temperature, seeded draw.
     * With a temperature {@code <= 0} the draw is replaced by the argmax of the penalized logits.
     * A {@link SamplingParams#RANDOM_SEED} seed is replaced by a random one now.
     */
    public static Sampler of(SamplingParams params) {
        long seed = params.seed() == SamplingParams.RANDOM_SEED
                ? ThreadLocalRandom.current().nextLong() : params.seed();
        return new ChainSampler(params, seed);
    }

    /** Index of the largest value; the first one on a tie. */
    static int argmax(float[] values, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("cannot sample from empty logits");
        }
        int best = 0;
        float bestValue = values[0];
        for (int i = 1; i < n; i++) {
            if (values[i] > bestValue) {
                bestValue = values[i];
                best = i;
            }
        }
        return best;
    }

    private static final class Greedy implements Sampler {
        @Override
        public int sample(float[] logits) {
            return argmax(logits, logits.length);
        }

        @Override
        public void accept(int token) {
        }

        @Override
        public void reset() {
        }
    }
}
