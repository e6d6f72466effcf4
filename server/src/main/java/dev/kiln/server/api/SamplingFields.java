package dev.kiln.server.api;

import java.util.List;

/**
 * The generation fields shared by {@code /v1/chat/completions} and {@code /v1/completions}, as sent (nulls where
 * absent, so the server's defaults apply).
 */
public record SamplingFields(Integer maxTokens, Double temperature, Double topP, Integer topK, Double minP, Long seed,
                             List<String> stop, Double presencePenalty, Double frequencyPenalty, boolean logprobs,
                             int topLogprobs, Integer reasoningBudget, boolean stream, boolean includeUsage) {
}
