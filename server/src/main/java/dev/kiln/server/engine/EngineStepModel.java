package dev.kiln.server.engine;

import dev.kiln.core.graph.Forward;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.Batch;
import dev.kiln.server.model.BatchRow;
import dev.kiln.server.model.StepModel;

import java.util.Arrays;
import java.util.List;

/**
 * The engine's forward pass as a {@link StepModel}: a server step becomes one {@link Batch} (rows of any number of
 * sequences) and one {@link Forward#forward} call, so the weights are read once per step for all slots. Each slot
 * is one sequence of the {@link KvCache}, with {@code capacity} cells ({@code -c / -np}).
 */
public final class EngineStepModel implements StepModel, AutoCloseable {

    private final Forward forward;
    private final KvCache cache;
    private final int vocabularySize;

    public EngineStepModel(Forward forward, KvCache cache) {
        this.forward = forward;
        this.cache = cache;
        this.vocabularySize = forward.hyperParams().vocabSize();
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public int sequences() {
        return cache.sequences();
    }

    @Override
    public int sequenceLength() {
        return cache.capacity();
    }

    @Override
    public float[][] evaluate(List<BatchRow> rows) {
        int n = rows.size();
        int[] tokens = new int[n];         // [rows]
        int[] sequences = new int[n];      // [rows]
        int[] positions = new int[n];      // [rows]
        boolean[] wantsLogits = new boolean[n];
        for (int r = 0; r < n; r++) {
            BatchRow row = rows.get(r);
            tokens[r] = row.token();
            sequences[r] = row.sequence();
            positions[r] = row.position();
            wantsLogits[r] = row.wantsLogits();
        }
        Batch batch = new Batch(tokens, sequences, positions, wantsLogits);
        float[] logits = new float[batch.logitCount() * vocabularySize];   // [logitRows][vocab]
        forward.forward(cache, batch, logits);
        float[][] out = new float[batch.logitCount()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = Arrays.copyOfRange(logits, i * vocabularySize, (i + 1) * vocabularySize);
        }
        return out;
    }

    @Override
    public void truncate(int sequence, int position) {
        cache.truncate(sequence, Math.min(position, cache.position(sequence)));
    }

    @Override
    public void close() {
        cache.close();
    }
}
