package dev.kiln.server.model;

import java.util.List;

/**
 * The forward pass as the server sees it: one call evaluates a batch of rows from any number of KV sequences and
 * gives the logits of the rows that want them. Sequences are the server's slots; each keeps its KV cache between
 * requests so that a new prompt sharing a prefix only evaluates the suffix.
 *
 * <p>Contract: rows of one sequence come in increasing, contiguous positions that continue the sequence (the first
 * row's position equals the number of positions kept after the last {@link #truncate}). Calls come from one thread.
 */
public interface StepModel {

    /** Number of logits per row (the vocabulary size). */
    int vocabularySize();

    /** Number of KV sequences available (the {@code -np} slots). */
    int sequences();

    /** Positions each sequence may hold ({@code -c / -np}). */
    int sequenceLength();

    /**
     * Evaluates all rows in one forward pass.
     *
     * @return one array of {@link #vocabularySize()} logits per row with {@code wantsLogits}, in row order:
     *         {@code [rowsWantingLogits][vocabularySize]}
     */
    float[][] evaluate(List<BatchRow> rows);

    /** Drops the KV cache of {@code sequence} from {@code position} on (0 clears it). */
    void truncate(int sequence, int position);
}
