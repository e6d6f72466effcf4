package dev.kiln.core.graph;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;

/**
 * The F32 scratch buffers of one backend for batches of up to {@code rows} rows, allocated once. Widths are the
 * maxima over the blocks (head counts may vary per layer). The logits buffer exists only on the backend of the
 * output head and holds {@code logitRows} rows at a time. A backend that runs no block holds only what it needs: the
 * residual stream {@code x}, and for the output head its {@code logitRows} gathered rows and the logits (with
 * {@code -ngl 1} the GPU needs neither the attention nor the FFN buffers).
 */
final class Activations implements AutoCloseable {
    final int rows;
    final DeviceTensor x;      // [rows][dim] residual stream
    final DeviceTensor xb;     // [rows][dim] normed input, projection output, gathered logit rows
    final DeviceTensor q;      // [rows][headCount·keyLength]
    final DeviceTensor k;      // [rows][headCountKv·keyLength]
    final DeviceTensor v;      // [rows][headCountKv·valueLength]
    final DeviceTensor attn;   // [rows][headCount·valueLength]
    final DeviceTensor gate;   // [rows][feedForwardLength]
    final DeviceTensor up;     // [rows][feedForwardLength]
    final DeviceTensor logits; // [logitRows][vocab] or null
    final int logitRows;

    /**
     * @param logitRows  rows of logits at a time, 0 when this backend does not run the output head
     * @param runsBlocks whether this backend runs any block (else only {@code x}, plus {@code xb} and {@code logits}
     *                   for the output head)
     */
    Activations(Backend backend, HyperParams hp, int rows, int logitRows, boolean runsBlocks) {
        this.rows = rows;
        this.logitRows = logitRows;
        int dim = hp.embeddingLength();
        x = backend.allocate((long) rows * dim);
        if (!runsBlocks) {
            q = k = v = attn = gate = up = null;
            xb = logitRows > 0 ? backend.allocate((long) logitRows * dim) : null;
            logits = logitRows > 0 ? backend.allocate((long) logitRows * hp.vocabSize()) : null;
            return;
        }
        xb = backend.allocate((long) rows * dim);
        q = backend.allocate((long) rows * hp.maxHeadCount() * hp.keyLength());
        k = backend.allocate((long) rows * hp.maxKeyWidth());
        v = backend.allocate((long) rows * hp.maxValueWidth());
        attn = backend.allocate((long) rows * hp.maxHeadCount() * hp.valueLength());
        gate = backend.allocate((long) rows * hp.maxFeedForwardLength());
        up = backend.allocate((long) rows * hp.maxFeedForwardLength());
        logits = logitRows > 0 ? backend.allocate((long) logitRows * hp.vocabSize()) : null;
    }

    /** Floats of all buffers for {@code rows} rows (and {@code logitRows} logit rows): for sizing {@code -ngl auto}. */
    static long floats(HyperParams hp, int rows, int logitRows) {
        return floats(hp, rows, logitRows, true);
    }

    /** Floats of the buffers of a backend that runs blocks or not (see the constructor). */
    static long floats(HyperParams hp, int rows, int logitRows, boolean runsBlocks) {
        if (!runsBlocks) {
            return (long) rows * hp.embeddingLength() + (long) logitRows * (hp.embeddingLength() + hp.vocabSize());
        }
        long perRow = 2L * hp.embeddingLength() + (long) hp.maxHeadCount() * hp.keyLength() + hp.maxKeyWidth()
                + hp.maxValueWidth() + (long) hp.maxHeadCount() * hp.valueLength() + 2L * hp.maxFeedForwardLength();
        return perRow * rows + (long) logitRows * hp.vocabSize();
    }

    /**
     * Logit rows computed at a time: bounded so the buffer stays near 16 MiB (a prompt chunk needs one row; {@code kiln
     * logits} and multi-slot steps need more and take several passes of the output matrix).
     */
    static int logitChunk(HyperParams hp, int rows) {
        return Math.max(1, Math.min(rows, (4 << 20) / hp.vocabSize()));
    }

    @Override
    public void close() {
        for (DeviceTensor t : new DeviceTensor[] {x, xb, q, k, v, attn, gate, up, logits}) {
            if (t != null) {
                t.close();
            }
        }
    }
}
