package dev.kiln.cli;

import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.graph.OpProfile;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.gguf.Metadata;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link BenchModel} on Kiln's engine: {@link Kiln#load} with the combination's threads, {@code -ngl} and batch
 * size, one single-sequence KV cache (F16, llama-bench's default) of the largest test's size, and
 * {@link dev.kiln.core.graph.Forward#forward} with logits for the last row only.
 */
final class EngineBenchModel implements BenchModel {

    private final Model model;
    private final KvCache cache;
    private final float[] logits; // [vocab]
    private final int bos;

    private final MatMulPrecision precision;

    private EngineBenchModel(Model model, int capacity, MatMulPrecision precision) {
        this.model = model;
        this.precision = precision;
        this.cache = model.newCache(1, capacity);
        this.logits = new float[model.hyperParams().vocabSize()];
        Metadata md = model.metadata();
        boolean addBos = md.findBoolean("tokenizer.ggml.add_bos_token").orElse(
                md.findString("tokenizer.ggml.model").orElse("llama").equals("llama"));
        this.bos = addBos ? md.findInt("tokenizer.ggml.bos_token_id").orElse(-1) : -1;
    }

    static BenchModel open(Path path, int threads, int gpuLayers, int batchSize, int contextSize,
                           MatMulPrecision precision) throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(threads).withGpuLayers(gpuLayers)
                .withBatchSize(batchSize).withContextSize(contextSize)
                .withBackendConfig(BackendConfig.of(threads).with(MatMulPrecision.OPTION, precision));
        Model model = Kiln.load(path, options);
        try {
            if (contextSize > model.hyperParams().contextLength()) {
                throw new UsageException("a test needs " + contextSize + " positions but the model's context length is "
                        + model.hyperParams().contextLength());
            }
            return new EngineBenchModel(model, contextSize, precision);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    @Override
    public int vocabSize() {
        return logits.length;
    }

    @Override
    public int bosToken() {
        return bos;
    }

    @Override
    public String backend() {
        boolean[] offloaded = model.placement().offloaded();
        for (boolean o : offloaded) {
            if (o) {
                return "CUDA";
            }
        }
        return "CPU " + precision.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String description() {
        return model.describePlacement();
    }

    @Override
    public void clear() {
        cache.clear(0);
    }

    @Override
    public void decode(int[] tokens, int position) {
        model.forward().forward(cache, Batch.ofSequence(0, position, tokens, 0, tokens.length, false), logits);
    }

    @Override
    public void profile(OpProfile profile) {
        model.forward().profile(profile);
    }

    @Override
    public void close() {
        try {
            cache.close();
        } finally {
            model.close();
        }
    }
}
