package dev.kiln.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/** The {@code text_completion} response of {@code /v1/completions}, whole or as one streamed chunk. */
public record TextCompletion(String id, String object, long created, String model, String systemFingerprint,
                             List<Choice> choices, Usage usage, Timings timings) {

    public record Choice(String text, int index, @JsonInclude(JsonInclude.Include.ALWAYS) TextLogprobs logprobs,
                         @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
    }

    /** The legacy completions logprobs shape. */
    public record TextLogprobs(List<String> tokens, List<Double> tokenLogprobs, List<Map<String, Double>> topLogprobs,
                               List<Integer> textOffset) {
    }
}
