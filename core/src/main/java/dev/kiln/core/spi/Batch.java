package dev.kiln.core.spi;

import java.util.Arrays;
import java.util.Objects;

/**
 * The rows of one forward pass: each row is (sequence, position, token, wants logits), plus the KV-cache cell the
 * row's K/V go to within its sequence (by default the position itself). A prompt chunk is one sequence with many
 * rows at consecutive positions; a server step is one row per active slot; both go through the same
 * {@code Forward} call. Matrix multiplications see {@code tokens = size()}; attention row {@code r} reads cells
 * {@code 0..cell(r)} of its own sequence (rows of this batch included, since the batch's K/V are stored before
 * attention runs). RoPE and the attention temperature use {@code position(r)}; a sequence whose cells hold
 * positions {@code p0, p0+1, ...} (as in llama.cpp, where a cell stores its position) simply passes
 * {@code cell = position - p0}.
 *
 * <p>Immutable. The same instance is passed to every op of one forward pass, so a device backend may upload its
 * arrays once per instance (keyed by identity).
 */
public final class Batch {
    private final int[] tokens;      // [rows]
    private final int[] sequences;   // [rows]
    private final int[] positions;   // [rows]
    private final int[] cells;       // [rows] cache cell within the row's sequence
    private final boolean[] wantsLogits; // [rows]
    private final int[] logitRows;   // indices of rows that want logits, ascending

    /** Rows whose cache cell is their position. */
    public Batch(int[] tokens, int[] sequences, int[] positions, boolean[] wantsLogits) {
        this(tokens, sequences, positions, positions, wantsLogits);
    }

    public Batch(int[] tokens, int[] sequences, int[] positions, int[] cells, boolean[] wantsLogits) {
        int n = tokens.length;
        if (n == 0) {
            throw new IllegalArgumentException("a batch needs at least one row");
        }
        if (sequences.length != n || positions.length != n || cells.length != n || wantsLogits.length != n) {
            throw new IllegalArgumentException("batch arrays differ in length: tokens " + n + ", sequences "
                    + sequences.length + ", positions " + positions.length + ", wantsLogits " + wantsLogits.length);
        }
        for (int r = 0; r < n; r++) {
            if (positions[r] < 0 || sequences[r] < 0 || tokens[r] < 0 || cells[r] < 0) {
                throw new IllegalArgumentException("batch row " + r + ": negative token, sequence, position or cell");
            }
        }
        this.tokens = tokens.clone();
        this.sequences = sequences.clone();
        this.positions = positions.clone();
        this.cells = cells.clone();
        this.wantsLogits = wantsLogits.clone();
        this.logitRows = java.util.stream.IntStream.range(0, n).filter(r -> wantsLogits[r]).toArray();
    }

    /**
     * {@code count} tokens of one sequence at positions {@code start, start+1, ...}; logits for every row when
     * {@code allLogits}, else for the last row only.
     */
    public static Batch ofSequence(int sequence, int start, int[] tokens, int from, int count, boolean allLogits) {
        Objects.checkFromIndexSize(from, count, tokens.length);
        int[] t = Arrays.copyOfRange(tokens, from, from + count);
        int[] s = new int[count];
        int[] p = new int[count];
        boolean[] w = new boolean[count];
        Arrays.fill(s, sequence);
        for (int i = 0; i < count; i++) {
            p[i] = start + i;
            w[i] = allLogits || i == count - 1;
        }
        return new Batch(t, s, p, w);
    }

    /** Rows {@code from .. from+count-1} as a batch of their own (a chunk of a batch larger than the engine's). */
    public Batch slice(int from, int count) {
        Objects.checkFromIndexSize(from, count, tokens.length);
        if (from == 0 && count == tokens.length) {
            return this;
        }
        return new Batch(Arrays.copyOfRange(tokens, from, from + count), Arrays.copyOfRange(sequences, from, from + count),
                Arrays.copyOfRange(positions, from, from + count), Arrays.copyOfRange(cells, from, from + count),
                Arrays.copyOfRange(wantsLogits, from, from + count));
    }

    /** One token of one sequence, with logits (a decode step). */
    public static Batch single(int sequence, int position, int token) {
        return new Batch(new int[] {token}, new int[] {sequence}, new int[] {position}, new boolean[] {true});
    }

    public int size() {
        return tokens.length;
    }

    public int token(int row) {
        return tokens[row];
    }

    public int sequence(int row) {
        return sequences[row];
    }

    public int position(int row) {
        return positions[row];
    }

    /** The cache cell of this row within its sequence. */
    public int cell(int row) {
        return cells[row];
    }

    public boolean wantsLogits(int row) {
        return wantsLogits[row];
    }

    /** Number of rows that want logits: the rows of the logits output. */
    public int logitCount() {
        return logitRows.length;
    }

    /** Row index of the {@code i}-th logits row. */
    public int logitRow(int i) {
        return logitRows[i];
    }

    /** Copies, for backends that upload them. */
    public int[] tokens() {
        return tokens.clone();
    }

    public int[] sequences() {
        return sequences.clone();
    }

    public int[] positions() {
        return positions.clone();
    }

    public int[] cells() {
        return cells.clone();
    }

    public int[] logitRows() {
        return logitRows.clone();
    }

    @Override
    public String toString() {
        return "Batch[" + tokens.length + " rows, " + logitRows.length + " with logits]";
    }
}
