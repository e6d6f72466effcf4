package dev.kiln.server.model;

/**
 * One row of a batched forward pass: evaluate {@code token} at {@code position} of KV {@code sequence}, and return the
 * logits of the next token if {@code wantsLogits}. A prompt chunk is many rows of one sequence; a decode step is one
 * row per active slot; the server mixes both in one batch (continuous batching, as llama.cpp's {@code llama_batch}).
 */
public record BatchRow(int sequence, int position, int token, boolean wantsLogits) {
    public BatchRow {
        if (sequence < 0 || position < 0 || token < 0) {
            throw new IllegalArgumentException("batch row with a negative field: " + sequence + "/" + position + "/" + token);
        }
    }
}
