package dev.kiln.cli;

import dev.kiln.core.graph.OpProfile;

/**
 * What {@code kiln bench} measures: one loaded model with one context, driven like llama-bench drives
 * {@code llama_decode}. Implementations wrap the engine; tests use a fake.
 */
interface BenchModel extends AutoCloseable {

    /** Vocabulary size (random token ids are drawn below it). */
    int vocabSize();

    /** The BOS token id, or -1 when the model does not add one. */
    int bosToken();

    /** Backend label for the table ({@code CPU}, {@code CUDA}). */
    String backend();

    /**
     * Where the layers run and how, as the load log says it (the CPU backend's path: its activations and the batches
     * it runs in float); empty when there is nothing to say. {@code kiln bench} writes it on stderr once per load.
     */
    default String description() {
        return "";
    }

    /** Forgets every cached token (llama-bench's {@code llama_memory_clear} before each repetition). */
    void clear();

    /**
     * Evaluates {@code tokens} at positions {@code position, position + 1, ...} as one batch, computing the logits
     * of the last row only (llama-bench's {@code llama_decode(llama_batch_get_one(...))}), and returns when the
     * results are ready.
     */
    void decode(int[] tokens, int position);

    /**
     * Times every op of the evaluations that follow into {@code profile} until called with null
     * ({@code kiln bench --profile}). A model that cannot profile ignores it.
     */
    default void profile(OpProfile profile) {
    }

    @Override
    void close();
}
