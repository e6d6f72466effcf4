package dev.kiln.cli;

import dev.kiln.core.synth.ModelShape;
import dev.kiln.core.synth.ModelShapes;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.SynthWriter;
import dev.kiln.core.synth.SyntheticVocab;
import dev.kiln.core.synth.TensorPlan;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln synth --shape NAME --type MIX -o FILE [--seed N] [--vocab VOCAB.gguf] [--set key=value]}: writes a
 * GGUF file with a real model's shape, tensor names, llama.cpp's per-tensor types for the mix, its metadata and
 * random weights (see {@link dev.kiln.core.synth}). {@code --list} prints the known shapes.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a model file with a real model's shape, llama.cpp's tensor types and random weights.")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--shape", paramLabel = "NAME", description = "Model shape (see --list).")
    String shape;

    @Option(names = "--type", paramLabel = "MIX", defaultValue = "Q4_K_M",
            description = "Type mix: F16, Q8_0, Q4_0, Q4_K_M, Q3_K_M, Q2_K, Q6_K (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "File to write (replaced if present).")
    Path output;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--vocab", paramLabel = "VOCAB.gguf",
            description = "Copy the tokenizer.* metadata of this file instead of generating a vocabulary.")
    Path vocab;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a hyperparameter (block_count, embedding_length, feed_forward_length, "
                    + "attention.head_count, attention.head_count_kv, attention.key_length, vocab_size, "
                    + "context_length, rope.freq_base, ...) or any metadata key.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--list", description = "List the known shapes and exit.")
    boolean list;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            for (ModelShape s : ModelShapes.all()) {
                out.printf("%-28s %-9s %3d blocks  %5d/%-6d %2d/%-2d heads  head dim %3d  vocab %6d  %s params%n",
                        s.name(), s.architecture(), s.blockCount(), s.embeddingLength(), s.feedForwardLength(),
                        s.headCount(), s.headCountKv(), s.headDim(), s.vocabSize(),
                        Bytes.count(TensorPlan.parameterCount(TensorPlan.of(s, QuantMix.F16))));
            }
            out.flush();
            return 0;
        }
        if (shape == null) {
            throw new UsageException("--shape is required (see kiln synth --list)");
        }
        if (output == null) {
            throw new UsageException("-o FILE is required");
        }
        ModelShape model;
        QuantMix mix;
        try {
            model = ModelShapes.byName(shape).with(overrides);
            mix = QuantMix.byName(type);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().startsWith("unknown shape") ? "--shape: " + e.getMessage()
                    : e.getMessage().startsWith("unknown type") ? "--type: " + e.getMessage() : e.getMessage());
        }
        Metadata tokenizer = null;
        if (vocab != null) {
            try (GgufFile file = GgufFile.open(vocab)) {
                tokenizer = SyntheticVocab.copyFrom(file.metadata());
            } catch (IllegalArgumentException e) {
                throw new UsageException("--vocab " + vocab + ": " + e.getMessage());
            }
            int size = SyntheticVocab.size(tokenizer);
            if (size != model.vocabSize()) {
                err.printf("note: vocab_size %d from %s (the shape has %d)%n", size, vocab.getFileName(),
                        model.vocabSize());
                model = model.with(Map.of("vocab_size", Integer.toString(size)));
            }
        }
        SynthWriter writer;
        try {
            writer = new SynthWriter(model, mix, seed, tokenizer);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        long expected = TensorPlan.dataBytes(writer.plan(), 32);
        Path dir = output.toAbsolutePath().getParent();
        if (dir != null && Files.isDirectory(dir) && dir.toFile().getUsableSpace() < expected + (64 << 20)) {
            throw new IOException("not enough disk space in " + dir + ": " + Bytes.human(expected)
                    + " needed, " + Bytes.human(dir.toFile().getUsableSpace()) + " free");
        }
        boolean showProgress = expected > (512L << 20);
        int[] lastDecile = {0};
        SynthWriter.Result r = writer.write(output, (done, total) -> {
            int decile = (int) (done * 10 / Math.max(total, 1));
            if (showProgress && decile > lastDecile[0]) {
                lastDecile[0] = decile;
                err.printf("  %3d%% (%s)%n", decile * 10, Bytes.human(done));
                err.flush();
            }
        });
        out.printf("wrote %s: %s %s, %s parameters, %s (%,d bytes) in %.1f s (%.0f MB/s)%n", output,
                model.name(), mix, Bytes.count(r.parameters()), Bytes.human(r.fileBytes()), r.fileBytes(),
                r.seconds(), r.megabytesPerSecond());
        out.flush();
        return 0;
    }
}
