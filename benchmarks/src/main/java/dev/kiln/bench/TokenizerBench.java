package dev.kiln.bench;

import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.gguf.GgufFile;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Tokenizes 1 MB (1,048,576 UTF-16 chars, all ASCII, so also bytes) of English text with each reference vocabulary:
 * one operation is the whole megabyte, so the throughput score in ops/s reads directly as MB/s.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar TokenizerBench -Dkiln.testdata=PATH} (default: ../shared/testdata).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g"})
public class TokenizerBench {
    static final int TEXT_BYTES = 1 << 20;

    @Param({"ggml-vocab-llama-spm.gguf", "qwen3-vocab.gguf", "llama3-vocab.gguf", "tekken-vocab.gguf"})
    public String vocab;

    private Tokenizer tokenizer;
    private String text;

    @Setup
    public void setup() throws IOException {
        try (GgufFile gguf = GgufFile.open(testdata().resolve("vocab").resolve(vocab))) {
            tokenizer = Tokenizers.from(gguf.metadata());
        }
        text = EnglishText.generate(TEXT_BYTES);
    }

    /** One operation = 1 MB tokenized (no BOS, no special parsing). */
    @Benchmark
    public int[] tokenizeOneMegabyte() {
        return tokenizer.encode(text, false, false);
    }

    static Path testdata() {
        String p = System.getProperty("kiln.testdata", System.getenv("KILN_TESTDATA"));
        if (p != null) {
            return Path.of(p);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/testdata").normalize();
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("test data not found: set -Dkiln.testdata=PATH");
    }
}
