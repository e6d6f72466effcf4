package dev.kiln.server.slot;

import dev.kiln.server.tools.ToolCall;
import dev.kiln.server.tools.ToolCallDelta;

import java.util.List;

/** What the scheduler tells the HTTP handler of one request, in order: deltas, then one {@code Finished} or {@code Failed}. */
public sealed interface GenerationEvent {

    /**
     * New text of the reply (either part may be empty), the logprobs of the tokens behind it, and pieces of tool
     * calls (streamed replies send them as they come; whole replies use {@link Finished#toolCalls}).
     */
    record Delta(String content, String reasoning, List<TokenLogprob> logprobs, List<ToolCallDelta> toolCalls)
            implements GenerationEvent {
        boolean isEmpty() {
            return content.isEmpty() && reasoning.isEmpty() && logprobs.isEmpty() && toolCalls.isEmpty();
        }
    }

    /**
     * @param finishReason   {@code stop}, {@code length} or {@code tool_calls}
     * @param cachedTokens   prompt tokens reused from the slot's KV cache (not evaluated again)
     * @param promptNanos    from the request's admission into a slot to its first sampled token
     * @param predictedNanos from the first sampled token to the last counted one (the decode steps after the first
     *                       token; an end-of-generation token and its step count neither here nor in
     *                       {@code completionTokens})
     */
    record Finished(String finishReason, List<ToolCall> toolCalls, int promptTokens, int cachedTokens,
                    int completionTokens, long promptNanos, long predictedNanos) implements GenerationEvent {
    }

    /** The request could not be completed (a model error, or the server shutting down). */
    record Failed(String message) implements GenerationEvent {
    }
}
