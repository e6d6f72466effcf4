package dev.kiln.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** The {@code chat.completion} response object. */
public record ChatCompletion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage, Timings timings) {

    public record Choice(int index, Message message, @JsonInclude(JsonInclude.Include.ALWAYS) Logprobs logprobs,
                         String finishReason) {
    }

    /** {@code content} is null when the reply is only tool calls (as OpenAI sends it). */
    public record Message(String role, @JsonInclude(JsonInclude.Include.ALWAYS) String content, String reasoningContent,
                          List<ToolCallJson> toolCalls) {
    }
}
