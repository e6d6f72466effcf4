package dev.kiln.core.sampling;

/**
 * Chooses the next token from one row of logits. Stateful (penalty history, random state), so one sampler
 * serves one sequence and one thread at a time.
 *
 * <p>Feed every token of the sequence through {@link #accept} in order, prompt tokens included (as llama.cpp
 * does), so that the repetition penalties see them; {@link #sample} does not accept the token it returns.
 */
public interface Sampler {

    /**
     * Returns the chosen token id. {@code logits} ([n_vocab]) is read, never modified.
     *
     * @throws IllegalArgumentException when the logits are empty
     */
    int sample(float[] logits);

    /** Appends a token to the history the penalties look at. */
    void accept(int token);

    /** Forgets the history and restarts the random sequence from the seed. */
    void reset();
}
