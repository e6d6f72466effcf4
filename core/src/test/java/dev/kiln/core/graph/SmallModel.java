package dev.kiln.core.graph;

import dev.kiln.core.model.GgufModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.synth.ModelShape;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.SynthWriter;
import dev.kiln.core.synth.VocabKind;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A 4-block llama of dim 256 (head 32, 8/2 heads, vocab 4096) written by synth, for tests that need a real model file. */
public final class SmallModel {
    public static final ModelShape SHAPE = new ModelShape("kiln-test-small", "llama", "test small (synthetic)", 4, 256, 768, 8, 2, 32,
            4096, 2048, 1e4f, 1e-5f, false, VocabKind.LLAMA_SPM, Map.of());

    private SmallModel() {}

    public static GgufModel load(Path dir) throws IOException {
        Path file = dir.resolve("small.Q4_K_M.gguf");
        new SynthWriter(SHAPE, QuantMix.Q4_K_M, 3, null).write(file, (w, t) -> { });
        return ModelLoader.load(file);
    }
}
