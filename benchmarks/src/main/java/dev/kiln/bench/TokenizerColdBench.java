package dev.kiln.bench;

import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@link TokenizerBench} without the tokenizers' word caches: every operation tokenizes the megabyte with a freshly built
 * tokenizer (built in an untimed per-invocation setup), so each distinct word goes through the merge loop once per
 * operation. Score in ops/s = MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 4)
@Measurement(iterations = 3, time = 4)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TokenizerColdBench {
    @Param({"ggml-vocab-llama-spm.gguf", "qwen3-vocab.gguf", "llama3-vocab.gguf", "tekken-vocab.gguf"})
    public String vocab;

    private Metadata metadata;
    private String text;
    private Tokenizer fresh;

    @Setup(Level.Trial)
    public void read() throws IOException {
        try (GgufFile gguf = GgufFile.open(TokenizerBench.testdata().resolve("vocab").resolve(vocab))) {
            metadata = gguf.metadata();
        }
        text = EnglishText.generate(TokenizerBench.TEXT_BYTES);
    }

    @Setup(Level.Invocation)
    public void build() {
        fresh = Tokenizers.from(metadata);
    }

    /** One operation = 1 MB tokenized by a tokenizer that has seen no text yet. */
    @Benchmark
    public int[] tokenizeOneMegabyteColdCache() {
        return fresh.encode(text, false, false);
    }
}
