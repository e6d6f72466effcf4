package dev.kiln.server.slot;

import java.util.List;

/**
 * The sampling and stopping settings of one request (OpenAI fields, llama-server defaults).
 *
 * @param maxTokens        tokens to generate at most; -1 until the slot's context is full
 * @param temperature      0 is greedy
 * @param topK             0 disables
 * @param topP             1 disables
 * @param minP             0 disables
 * @param seed             -1 for a random seed
 * @param topLogprobs      alternatives per token when {@code logprobs}
 * @param reasoningBudget  thinking tokens allowed: -1 unlimited, 0 none, N closes the think block after N
 * @param constraint       the grammar the reply follows, or null
 * @param ignoreEos        llama-server's {@code ignore_eos}: end-of-generation tokens are never sampled, so the reply
 *                         runs to {@code maxTokens} (or a stop string); a grammar, which ends the reply itself, keeps
 *                         them
 */
public record GenerationParams(int maxTokens, double temperature, int topK, double topP, double minP, long seed,
                               double presencePenalty, double frequencyPenalty, List<String> stop,
                               boolean logprobs, int topLogprobs, int reasoningBudget, OutputConstraint constraint,
                               boolean ignoreEos) {

    public GenerationParams {
        stop = List.copyOf(stop);
    }

    /** Settings without a grammar, end-of-generation tokens allowed. */
    public GenerationParams(int maxTokens, double temperature, int topK, double topP, double minP, long seed,
                            double presencePenalty, double frequencyPenalty, List<String> stop,
                            boolean logprobs, int topLogprobs, int reasoningBudget) {
        this(maxTokens, temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty, stop, logprobs,
                topLogprobs, reasoningBudget, null, false);
    }

    /** These settings with a grammar. */
    public GenerationParams withConstraint(OutputConstraint c) {
        return new GenerationParams(maxTokens, temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty,
                stop, logprobs, topLogprobs, reasoningBudget, c, ignoreEos);
    }

    /** These settings with {@code ignore_eos} set as given. */
    public GenerationParams withIgnoreEos(boolean ignore) {
        return new GenerationParams(maxTokens, temperature, topK, topP, minP, seed, presencePenalty, frequencyPenalty,
                stop, logprobs, topLogprobs, reasoningBudget, constraint, ignore);
    }

    /** Greedy decoding with no limits other than {@code maxTokens}. */
    public static GenerationParams greedy(int maxTokens) {
        return new GenerationParams(maxTokens, 0, 0, 1, 0, -1, 0, 0, List.of(), false, 0, -1);
    }
}
