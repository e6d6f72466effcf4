package dev.kiln.server.fake;

import dev.kiln.server.model.BatchRow;
import dev.kiln.server.model.StepModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link StepModel} driven by a {@link Script}: it keeps each sequence's tokens as its "KV cache", checks the
 * batch contract (contiguous positions continuing the sequence) and counts what it was asked to do, so tests can
 * see batching and prefix reuse. Logits put the script's choice clearly on top with a smooth tail (for logprobs).
 */
public final class ScriptedModel implements StepModel {

    private final Script script;
    private final int sequences;
    private final int sequenceLength;
    private final int[][] kv;             // [sequences][sequenceLength] tokens held
    private final int[] lengths;          // [sequences]
    private final long stepMillis;
    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicLong rows = new AtomicLong();
    public final AtomicInteger maxSequencesInOneCall = new AtomicInteger();
    public final List<Set<Integer>> decodeSets = java.util.Collections.synchronizedList(new ArrayList<>());
    public final List<Integer> rowsPerCall = java.util.Collections.synchronizedList(new ArrayList<>());

    public ScriptedModel(Script script, int sequences, int sequenceLength, long stepMillis) {
        this.script = script;
        this.sequences = sequences;
        this.sequenceLength = sequenceLength;
        this.kv = new int[sequences][sequenceLength];
        this.lengths = new int[sequences];
        this.stepMillis = stepMillis;
    }

    @Override
    public int vocabularySize() {
        return ByteCodec.VOCABULARY;
    }

    @Override
    public int sequences() {
        return sequences;
    }

    @Override
    public int sequenceLength() {
        return sequenceLength;
    }

    @Override
    public float[][] evaluate(List<BatchRow> batch) {
        calls.incrementAndGet();
        rows.addAndGet(batch.size());
        Set<Integer> seen = new HashSet<>();
        List<float[]> out = new ArrayList<>();
        for (BatchRow row : batch) {
            int s = row.sequence();
            if (row.position() != lengths[s]) {
                throw new IllegalStateException("sequence " + s + ": row at position " + row.position()
                        + " but the sequence holds " + lengths[s]);
            }
            if (row.position() >= sequenceLength) {
                throw new IllegalStateException("sequence " + s + " overflows its " + sequenceLength + " positions");
            }
            kv[s][lengths[s]++] = row.token();
            seen.add(s);
            if (row.wantsLogits()) {
                int choice = script.next(kv[s], lengths[s]);
                float[] logits = new float[ByteCodec.VOCABULARY];
                for (int i = 0; i < logits.length; i++) {
                    logits[i] = -Math.abs(i - choice) * 0.05f;
                }
                logits[choice] = 8;
                out.add(logits);
            }
        }
        maxSequencesInOneCall.accumulateAndGet(seen.size(), Math::max);
        decodeSets.add(seen);
        rowsPerCall.add(batch.size());
        if (stepMillis > 0) {
            try {
                Thread.sleep(stepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return out.toArray(float[][]::new);
    }

    @Override
    public void truncate(int sequence, int position) {
        lengths[sequence] = Math.min(lengths[sequence], position);
    }

    public int[] sequence(int s) {
        return Arrays.copyOf(kv[s], lengths[s]);
    }
}
