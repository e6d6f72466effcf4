package dev.kiln.bench;

import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.synth.ModelShapes;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.SynthWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The whole forward pass on a synthetic model at real scale: {@link #decodeStep} is one generated token (one
 * row, logits of that row), {@link #promptChunk} one {@code chunk}-token prompt batch from an empty cache
 * (logits of the last row only), as llama-bench's tg and pp tests run them. Divide tokens by the time per
 * operation for tokens/s.
 *
 * <p>By default the model is written by {@code kiln synth}'s {@link SynthWriter} into a temporary file
 * ({@code shape} x {@code type}, e.g. tinyllama-1.1b Q4_K_M, about 670 MB) and deleted afterwards; {@code -p model=FILE}
 * uses an existing file instead. Decode positions cycle through 0..511 so every measured step sees a similar
 * amount of context.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ForwardBench -p threads=2</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:CompileCommand=quiet", "-XX:CompileCommand=CompileThresholdScaling,dev.kiln.cpu.*::*,0.05"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class ForwardBench {

    /** Decode positions cycle below this, so the attention span stays comparable between iterations. */
    private static final int DECODE_SPAN = 512;

    /** An existing GGUF file; empty: synthesize {@link #shape} in {@link #type}. */
    @Param({""})
    public String model;

    @Param({"tinyllama-1.1b"})
    public String shape;

    @Param({"Q4_K_M"})
    public String type;

    @Param({"2"})
    public int threads;

    /** Prompt tokens per forward pass ({@code -b}). */
    @Param({"512"})
    public int chunk;

    private Path synthesized;
    private Model loaded;
    private KvCache cache;
    private float[] logits;     // [vocab]
    private int[] prompt;       // [chunk]
    private final int[] one = new int[1];
    private int position;

    @Setup(Level.Trial)
    public void load() throws IOException {
        Path path;
        if (model.isEmpty()) {
            synthesized = Files.createTempFile("kiln-forward-bench-", ".gguf");
            new SynthWriter(ModelShapes.byName(shape), QuantMix.byName(type), 1, null).write(synthesized, null);
            path = synthesized;
        } else {
            path = Path.of(model);
        }
        int capacity = Math.max(chunk, DECODE_SPAN);
        loaded = Kiln.load(path, LoadOptions.defaults().withThreads(threads).withBatchSize(chunk)
                .withContextSize(capacity));
        cache = loaded.newCache(1, capacity);
        int vocab = loaded.hyperParams().vocabSize();
        logits = new float[vocab];
        prompt = new int[chunk];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < chunk; i++) {
            prompt[i] = random.nextInt(vocab);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        if (cache != null) {
            cache.close();
        }
        if (loaded != null) {
            loaded.close();
        }
        if (synthesized != null) {
            Files.deleteIfExists(synthesized);
        }
    }

    /** One generated token: a single-row forward pass at the next position. */
    @Benchmark
    public float decodeStep() {
        if (position == DECODE_SPAN) {
            cache.clear(0);
            position = 0;
        }
        one[0] = prompt[position % prompt.length];
        loaded.forward().forward(cache, Batch.single(0, position, one[0]), logits);
        position++;
        return logits[0];
    }

    /** One prompt chunk of {@link #chunk} tokens into an empty cache, logits of the last row. */
    @Benchmark
    public float promptChunk() {
        cache.clear(0);
        position = 0;
        loaded.forward().forward(cache, Batch.ofSequence(0, 0, prompt, 0, chunk, false), logits);
        return logits[0];
    }
}
