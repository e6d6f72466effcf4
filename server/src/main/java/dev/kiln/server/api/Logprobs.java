package dev.kiln.server.api;

import java.util.List;

/** Chat {@code logprobs}: per token its text, log-probability, UTF-8 bytes and the most likely alternatives. */
public record Logprobs(List<Content> content) {

    public record Content(String token, double logprob, List<Integer> bytes, List<Top> topLogprobs) {
    }

    public record Top(String token, double logprob, List<Integer> bytes) {
    }
}
