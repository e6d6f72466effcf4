package dev.kiln.server.api;

/** Token counts of one request ({@code usage}); {@code cached_tokens} are prompt tokens reused from a slot's cache. */
public record Usage(int promptTokens, int completionTokens, int totalTokens, PromptTokensDetails promptTokensDetails) {

    public record PromptTokensDetails(int cachedTokens) {
    }

    public static Usage of(int prompt, int completion, int cached) {
        return new Usage(prompt, completion, prompt + completion, new PromptTokensDetails(cached));
    }
}
