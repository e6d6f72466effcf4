package dev.kiln.cpu.engine;

import dev.kiln.core.spi.MatMulPrecision;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.spi.Batch;
import dev.kiln.cpu.CpuBackend;
import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A synthetic reference model with its llama.cpp reference data, run on the CPU backend (test helper). */
final class Reference implements AutoCloseable {
    final String name;
    final JsonNode ref; // the .ref.json next to the model, null when there is none
    final GgufModel model;
    final CpuBackend cpu;
    final Forward forward;
    final int vocab;

    Reference(String file, int threads, int batchRows) {
        this(file, threads, batchRows, MatMulPrecision.F32);
    }

    Reference(String file, int threads, int batchRows, MatMulPrecision precision) {
        this.name = file;
        try {
            Path gguf = TestData.require(file);
            Path refJson = Path.of(gguf.toString().replace(".gguf", ".ref.json"));
            this.ref = java.nio.file.Files.exists(refJson) ? new ObjectMapper().readTree(refJson.toFile()) : null;
            this.model = ModelLoader.load(gguf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.cpu = new CpuBackend(threads, precision);
        this.forward = new Forward(model, Placement.cpuOnly(model.hyperParams().blockCount()), cpu, null, batchRows);
        this.vocab = model.hyperParams().vocabSize();
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    int[] promptIds() {
        return ints(ref.get("prompt_ids"));
    }

    KvCache cache(GgmlType type, int capacity) {
        return forward.newCache(type, 1, capacity);
    }

    /** Logits of every prompt position, prompt evaluated as one batch at positions start.. (cells 0..). */
    float[] promptLogits(KvCache cache, int start) {
        int[] ids = promptIds();
        int n = ids.length;
        int[] seq = new int[n];
        int[] pos = new int[n];
        int[] cells = new int[n];
        boolean[] all = new boolean[n];
        for (int i = 0; i < n; i++) {
            pos[i] = start + i;
            cells[i] = i;
            all[i] = true;
        }
        float[] logits = new float[n * vocab];
        forward.forward(cache, new Batch(ids, seq, pos, cells, all), logits);
        return logits;
    }

    /** Max |a - b| over the stride-{@code stride} vocabulary ids of each of {@code rows} rows; b is [rows][ceil(vocab/stride)]. */
    float maxAbsDiff(float[] full, float[] reference, int rows, int stride) {
        int cols = (vocab + stride - 1) / stride;
        float max = 0;
        for (int p = 0; p < rows; p++) {
            for (int c = 0; c < cols; c++) {
                float d = Math.abs(full[p * vocab + c * stride] - reference[p * cols + c]);
                if (!(d <= max)) {
                    max = Float.isNaN(d) ? Float.POSITIVE_INFINITY : d;
                }
            }
        }
        return max;
    }

    static int argmax(float[] logits, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        forward.close();
        cpu.close();
        model.close();
    }
}
