package dev.kiln.server.slot;

import dev.kiln.core.sampling.Sampler;
import dev.kiln.core.sampling.Samplers;
import dev.kiln.core.sampling.SamplingParams;

/**
 * The request's sampler: core's llama.cpp chain ({@link Samplers#of}: penalties, top-k, top-p, min-p, temperature,
 * seeded draw), so that {@code kiln serve} and {@code kiln run} pick the same tokens for the same settings and seed.
 * The prompt and every token of the reply are fed to {@link Sampler#accept}, as llama-server does, so the
 * presence/frequency penalties see them (window: the last 64 tokens, llama.cpp's default).
 */
final class TokenSampler {

    private final Sampler sampler;

    TokenSampler(GenerationParams params, int[] prompt) {
        SamplingParams p = new SamplingParams((float) params.temperature(), params.topK(), (float) params.topP(),
                (float) params.minP(), 1.0f, 64, (float) params.presencePenalty(), (float) params.frequencyPenalty(),
                params.seed() < 0 ? SamplingParams.RANDOM_SEED : params.seed());
        this.sampler = params.temperature() <= 0 && !p.hasPenalties() ? Samplers.greedy() : Samplers.of(p);
        for (int token : prompt) {
            sampler.accept(token);
        }
    }

    /** Records a token of the reply (sampled or forced). */
    void accept(int token) {
        sampler.accept(token);
    }

    int sample(float[] logits) {
        return sampler.sample(logits);
    }
}
