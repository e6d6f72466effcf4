package dev.kiln.core.generate;

import dev.kiln.core.graph.Forward;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.sampling.Sampler;
import dev.kiln.core.spi.Batch;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Generates tokens for one sequence of a KV cache: the prompt is appended in one {@link Forward#forward} call
 * (chunked there by the batch size; only the last row's logits are computed), then each sampled token is fed back
 * alone (decode). The sequence continues where the cache left it, so a chat keeps its history. Every prompt and
 * generated token is passed to {@link Sampler#accept} (the penalties see them, as in llama.cpp).
 *
 * <p>Not thread-safe: one generation at a time per generator (its cache sequence).
 */
public final class Generator {
    private final Forward forward;
    private final KvCache cache;
    private final int sequence;
    private final float[] logits; // [vocab]

    public Generator(Forward forward, KvCache cache, int sequence) {
        if (sequence < 0 || sequence >= cache.sequences()) {
            throw new IllegalArgumentException("sequence " + sequence + " of a cache with " + cache.sequences());
        }
        this.forward = forward;
        this.cache = cache;
        this.sequence = sequence;
        this.logits = new float[forward.hyperParams().vocabSize()];
    }

    /** The next free position of the sequence (tokens held). */
    public int position() {
        return cache.position(sequence);
    }

    /**
     * Appends {@code prompt} and generates up to {@code maxTokens} tokens ({@code < 0}: until the context is full).
     *
     * @param isEndOfGeneration true for the vocabulary's end-of-generation tokens (not reported, not fed back)
     * @throws dev.kiln.core.kv.ContextFullException when the prompt itself does not fit in the context
     */
    public Generation generate(int[] prompt, int maxTokens, Sampler sampler, IntPredicate isEndOfGeneration,
                               TokenListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        long t0 = System.nanoTime();
        int start = cache.position(sequence);
        forward.forward(cache, Batch.ofSequence(sequence, start, prompt, 0, prompt.length, false), logits);
        for (int token : prompt) {
            sampler.accept(token);
        }
        long t1 = System.nanoTime();

        int[] out = new int[Math.max(16, maxTokens < 0 ? 256 : Math.min(maxTokens, 4096))];
        int n = 0;
        StopReason reason;
        while (true) {
            if (maxTokens >= 0 && n >= maxTokens) {
                reason = StopReason.MAX_TOKENS;
                break;
            }
            int token = sampler.sample(logits);
            sampler.accept(token);
            if (isEndOfGeneration.test(token)) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, 2 * n);
            }
            out[n++] = token;
            if (!listener.onToken(token)) {
                reason = StopReason.STOPPED;
                break;
            }
            if (maxTokens >= 0 && n >= maxTokens) {
                reason = StopReason.MAX_TOKENS;
                break;
            }
            int pos = cache.position(sequence);
            if (pos >= cache.capacity()) {
                reason = StopReason.CONTEXT_FULL;
                break;
            }
            forward.forward(cache, Batch.single(sequence, pos, token), logits);
        }
        long t2 = System.nanoTime();
        return new Generation(Arrays.copyOf(out, n), reason, new Stats(prompt.length, t1 - t0, n, t2 - t1));
    }
}
