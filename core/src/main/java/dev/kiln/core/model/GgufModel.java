package dev.kiln.core.model;

import dev.kiln.core.arch.Architecture;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;

import java.util.Objects;

/**
 * A loaded model file: the mapped GGUF (owned, closed by {@link #close()}), its architecture, validated
 * hyperparameters and resolved weights. No compute state: backends, caches and sessions live elsewhere.
 */
public record GgufModel(GgufFile file, HyperParams hyperParams, ModelWeights weights) implements AutoCloseable {

    public GgufModel {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(hyperParams, "hyperParams");
        Objects.requireNonNull(weights, "weights");
    }

    public Architecture architecture() {
        return hyperParams.architecture();
    }

    public Metadata metadata() {
        return file.metadata();
    }

    @Override
    public void close() {
        file.close();
    }
}
