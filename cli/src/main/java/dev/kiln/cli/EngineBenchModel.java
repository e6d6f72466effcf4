package dev.kiln.cli;

import java.nio.file.Path;

/** {@link BenchModel} on Kiln's inference engine. */
final class EngineBenchModel {

    private EngineBenchModel() {
    }

    static BenchModel open(Path model, int threads, int gpuLayers, int batchSize) {
        throw new IllegalStateException("the inference engine is not part of this build yet (issue 5)");
    }
}
