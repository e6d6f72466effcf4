package dev.kiln.server.slot;

import dev.kiln.core.grammar.TokenTrie;
import dev.kiln.core.sampling.GrammarSampler;
import dev.kiln.core.sampling.Sampler;
import dev.kiln.core.sampling.Samplers;
import dev.kiln.core.sampling.SamplingParams;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The request's sampler: core's llama.cpp chain ({@link Samplers#of}: penalties, top-k, top-p, min-p, temperature,
 * seeded draw), so that {@code kiln serve} and {@code kiln run} pick the same tokens for the same settings and seed.
 * The prompt and every token of the reply are fed to {@link Sampler#accept}, as llama-server does, so the
 * presence/frequency penalties see them (window: the last 64 tokens, llama.cpp's default).
 *
 * <p>With an {@link OutputConstraint}, tokens the grammar does not allow are masked before the chain
 * ({@link GrammarSampler}); a lazy constraint watches the reply's bytes and starts the grammar where its trigger
 * appears, fed with the reply from there. Without one the chain runs as is (no cost).
 */
final class TokenSampler {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TokenSampler.class);

    private final Sampler base;
    private Sampler sampler;
    private final OutputConstraint constraint;      // null: unconstrained
    private final TokenTrie trie;
    private final ByteArrayOutputStream reply;      // the reply's bytes while a lazy constraint waits
    private int budget;                             // tokens left (-1: until the context is full)
    private boolean dormant;                        // a lazy constraint that will not start

    /** @param budget tokens the reply may still have (max_tokens or what the slot's context leaves) */
    TokenSampler(GenerationParams params, int[] prompt, TokenTrie trie, int budget) {
        SamplingParams p = new SamplingParams((float) params.temperature(), params.topK(), (float) params.topP(),
                (float) params.minP(), 1.0f, 64, (float) params.presencePenalty(), (float) params.frequencyPenalty(),
                params.seed() < 0 ? SamplingParams.RANDOM_SEED : params.seed());
        this.base = params.temperature() <= 0 && !p.hasPenalties() ? Samplers.greedy() : Samplers.of(p);
        for (int token : prompt) {
            base.accept(token);
        }
        this.constraint = params.constraint();
        this.trie = trie;
        this.budget = budget;
        this.sampler = base;
        this.reply = constraint != null && constraint.trigger() != null ? new ByteArrayOutputStream() : null;
        if (constraint != null && constraint.trigger() == null) {
            sampler = new GrammarSampler(base, constraint.grammar().bind(trie).matcher(), budget);
        }
    }

    /** Records a token of the reply (sampled or forced). */
    void accept(int token) {
        try {
            sampler.accept(token);
        } catch (IllegalStateException e) {
            LOG.warn("grammar dropped for this reply: {}", e.getMessage());
            sampler = base;
            dormant = true;
            base.accept(token);
        }
        if (budget > 0) {
            budget--;
        }
        if (reply != null && sampler == base && !dormant) {
            byte[] bytes = trie.bytes(token);
            if (bytes != null) {
                reply.writeBytes(bytes);
                activateIfTriggered();
            }
        }
    }

    private void activateIfTriggered() {
        String text = reply.toString(StandardCharsets.UTF_8);
        String trigger = constraint.trigger();
        if (constraint.atStartOnly()) {
            String start = text.stripLeading();
            if (!start.startsWith(trigger)) {
                if (!trigger.startsWith(start)) {
                    dormant = true;     // the reply began with something else: not a call
                }
                return;
            }
        }
        int at = text.indexOf(trigger);
        if (at < 0) {
            return;
        }
        var matcher = constraint.grammar().bind(trie).matcher();
        String rest = constraint.triggerIncluded() ? text.substring(at) : text.substring(at + trigger.length());
        if (!matcher.acceptText(rest)) {
            dormant = true;             // what the model wrote already breaks the grammar: leave it be
            return;
        }
        sampler = new GrammarSampler(base, matcher, budget);
    }

    int sample(float[] logits) {
        try {
            return sampler.sample(logits);
        } catch (IllegalStateException e) {
            // the vocabulary cannot write what the grammar needs next: finish unconstrained rather than fail
            LOG.warn("grammar dropped for this reply: {}", e.getMessage());
            sampler = base;
            dormant = true;
            return base.sample(logits);
        }
    }
}
