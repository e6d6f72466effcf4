package dev.kiln.cli;

import dev.kiln.core.Kiln;
import dev.kiln.core.Model;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.Batch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code kiln logits -m FILE --tokens ID,ID,... -o OUT.f32}: evaluates the tokens as one batch at positions
 * 0..n-1 and writes the logits of every position as little-endian float32 {@code [n_tokens][n_vocab]}, the layout of
 * the reference {@code *.logits.f32} files (use {@code -ctk f32} to compare with llama.cpp's F32-cache references).
 */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Evaluate token ids in one batch and write the logits of every position (float32 LE [n_tokens][n_vocab]).")
final class LogitsCommand implements Callable<Integer> {

    @Mixin
    EngineOptions engine;

    @Option(names = "--tokens", required = true, split = ",", paramLabel = "ID,ID,...", description = "Token ids to evaluate.")
    int[] tokens;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.f32", description = "Output file.")
    Path output;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        var options = engine.toLoadOptions();
        if (tokens.length == 0) {
            throw new UsageException("--tokens: expected at least one id");
        }
        try (Model model = Kiln.load(engine.model(), options)) {
            engine.warnIfNothingOffloaded(model, spec.commandLine().getErr(), "logits");
            int vocab = model.hyperParams().vocabSize();
            for (int id : tokens) {
                if (id < 0 || id >= vocab) {
                    throw new UsageException("--tokens: id " + id + " is outside the vocabulary [0, " + vocab + ")");
                }
            }
            if (tokens.length > model.contextSize()) {
                throw new UsageException("--tokens: " + tokens.length + " ids exceed the context size "
                        + model.contextSize() + " (-c/--ctx-size, capped at the model's " + model.hyperParams().contextLength() + ")");
            }
            long floats = (long) tokens.length * vocab;
            if (floats > Integer.MAX_VALUE - 8) {
                throw new UsageException("--tokens: " + tokens.length + " ids x " + vocab + " logits exceed 2^31 floats;"
                        + " evaluate fewer tokens per call");
            }
            float[] logits = new float[(int) floats];
            try (KvCache cache = model.newCache(1, tokens.length)) {
                model.forward().forward(cache, Batch.ofSequence(0, 0, tokens, 0, tokens.length, true), logits);
            }
            write(output, logits);
            spec.commandLine().getErr().printf("kiln logits: %d tokens x %d logits -> %s%n", tokens.length, vocab, output);
        }
        return 0;
    }

    static void write(Path file, float[] values) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : values) {
                if (!buf.hasRemaining()) {
                    out.write(buf.array(), 0, buf.position());
                    buf.clear();
                }
                buf.putFloat(v);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }
}
