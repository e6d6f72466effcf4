package dev.kiln.core;

import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.gguf.GgmlType;

import java.util.Objects;

/**
 * How a model is loaded: compute threads, slots to offload ({@code -ngl}: 0 none, k, or {@link Placement#AUTO}),
 * the accelerator to use ("" = the best available), the prompt chunk size ({@code -b}), the default context size of a
 * session ({@code -c}, capped at the model's context length) and the KV cache types ({@code -ctk/-ctv}).
 * Defaults follow llama.cpp where it has one.
 *
 * @param keyCacheType   F16 (default), F32 or Q8_0
 * @param valueCacheType must equal {@code keyCacheType} for now (one cache type per layer buffer pair)
 * @param backendConfig  extra typed backend options (its thread count is replaced by {@code threads})
 */
public record LoadOptions(int threads, int gpuLayers, String accelerator, int batchSize, int contextSize,
                          GgmlType keyCacheType, GgmlType valueCacheType, BackendConfig backendConfig) {

    public static final int DEFAULT_CONTEXT = 4096;
    public static final int DEFAULT_BATCH = 512;

    public LoadOptions {
        Objects.requireNonNull(accelerator, "accelerator");
        Objects.requireNonNull(keyCacheType, "keyCacheType");
        Objects.requireNonNull(valueCacheType, "valueCacheType");
        Objects.requireNonNull(backendConfig, "backendConfig");
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected >= 1, found " + threads);
        }
        if (gpuLayers < Placement.AUTO) {
            throw new IllegalArgumentException("gpu layers: expected -1 (auto) or >= 0, found " + gpuLayers);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size: expected >= 1, found " + batchSize);
        }
        if (contextSize < 1) {
            throw new IllegalArgumentException("context size: expected >= 1, found " + contextSize);
        }
        for (GgmlType t : new GgmlType[] {keyCacheType, valueCacheType}) {
            if (!KvCache.TYPES.contains(t)) {
                throw new IllegalArgumentException("KV cache type " + t + " is not supported (supported: f32, f16, q8_0)");
            }
        }
        if (keyCacheType != valueCacheType) {
            throw new IllegalArgumentException("K and V cache types must be equal for now, found " + keyCacheType
                    + " and " + valueCacheType);
        }
        backendConfig = backendConfig.withThreads(threads);
    }

    /** All processors, no offload, llama.cpp's batch and context sizes, F16 cache. */
    public static LoadOptions defaults() {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        return new LoadOptions(threads, 0, "", DEFAULT_BATCH, DEFAULT_CONTEXT, GgmlType.F16, GgmlType.F16,
                BackendConfig.of(threads));
    }

    public LoadOptions withThreads(int v) {
        return new LoadOptions(v, gpuLayers, accelerator, batchSize, contextSize, keyCacheType, valueCacheType, backendConfig);
    }

    public LoadOptions withGpuLayers(int v) {
        return new LoadOptions(threads, v, accelerator, batchSize, contextSize, keyCacheType, valueCacheType, backendConfig);
    }

    public LoadOptions withAccelerator(String v) {
        return new LoadOptions(threads, gpuLayers, v, batchSize, contextSize, keyCacheType, valueCacheType, backendConfig);
    }

    public LoadOptions withBatchSize(int v) {
        return new LoadOptions(threads, gpuLayers, accelerator, v, contextSize, keyCacheType, valueCacheType, backendConfig);
    }

    public LoadOptions withContextSize(int v) {
        return new LoadOptions(threads, gpuLayers, accelerator, batchSize, v, keyCacheType, valueCacheType, backendConfig);
    }

    /** Sets both the K and V cache type. */
    public LoadOptions withCacheType(GgmlType v) {
        return new LoadOptions(threads, gpuLayers, accelerator, batchSize, contextSize, v, v, backendConfig);
    }

    public LoadOptions withBackendConfig(BackendConfig v) {
        return new LoadOptions(threads, gpuLayers, accelerator, batchSize, contextSize, keyCacheType, valueCacheType, v);
    }
}
