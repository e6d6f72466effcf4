package dev.kiln.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/** One {@code chat.completion.chunk} of a streamed reply (a server-sent event). */
public record ChatChunk(String id, String object, long created, String model, String systemFingerprint,
                        List<Choice> choices, Usage usage, Timings timings) {

    public record Choice(int index, Delta delta, @JsonInclude(JsonInclude.Include.ALWAYS) Logprobs logprobs,
                         @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
    }

    public record Delta(String role, String content, String reasoningContent, List<ToolCallJson> toolCalls) {
    }
}
