package dev.kiln.server.api;

/** A validated {@code POST /v1/completions} body: a raw prompt, no chat template. */
public record CompletionRequest(String prompt, SamplingFields sampling) {
}
