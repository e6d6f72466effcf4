package dev.kiln.core.tokenizer;

import dev.kiln.gguf.GgufFile;
import dev.kiln.testdata.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The reference vocabularies, each loaded once per test JVM (loading the big BPE ones takes a second or two). */
final class TestVocabs {
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private TestVocabs() {}

    /** The tokenizer of testdata/vocab/{@code name}; skips the test when the data is absent. */
    static Tokenizer vocab(String name) {
        Path file = TestData.require("vocab/" + name);
        return CACHE.computeIfAbsent(name, n -> load(file));
    }

    static Tokenizer load(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizers.from(gguf.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
