package dev.kiln.server.api;

import java.util.List;

/**
 * The generation fields shared by {@code /v1/chat/completions} and {@code /v1/completions}, as sent (nulls where
 * absent, so the server's defaults apply); {@code format} is the requested output format, or null;
 * {@code ignoreEos} is llama-server's {@code ignore_eos}.
 */
public record SamplingFields(Integer maxTokens, Double temperature, Double topP, Integer topK, Double minP, Long seed,
                             List<String> stop, Double presencePenalty, Double frequencyPenalty, boolean logprobs,
                             int topLogprobs, Integer reasoningBudget, boolean stream, boolean includeUsage,
                             OutputFormat format, boolean ignoreEos) {

    /** Fields without an output format. */
    public SamplingFields(Integer maxTokens, Double temperature, Double topP, Integer topK, Double minP, Long seed,
                          List<String> stop, Double presencePenalty, Double frequencyPenalty, boolean logprobs,
                          int topLogprobs, Integer reasoningBudget, boolean stream, boolean includeUsage) {
        this(maxTokens, temperature, topP, topK, minP, seed, stop, presencePenalty, frequencyPenalty, logprobs,
                topLogprobs, reasoningBudget, stream, includeUsage, null, false);
    }
}
