package dev.kiln.core.tokenizer;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of every {@code .inp}/{@code .out} pair in testdata/vocab (llama.cpp's test-tokenizer-0 vectors): the ids
 * must match exactly (no BOS/EOS, no special parsing), and decoding must give the text back where the tokenizer is
 * lossless. Failures are collected so that one run reports every mismatching case.
 */
class VocabVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-gpt-2.gguf",
            "qwen3-vocab.gguf", "llama3-vocab.gguf", "tekken-vocab.gguf"})
    void encodesEveryReferenceCaseExactly(String vocabFile) throws IOException {
        Path file = TestData.require("vocab/" + vocabFile);
        Tokenizer tokenizer = TestVocabs.vocab(vocabFile);
        List<String> texts = readInputs(Path.of(file + ".inp"));
        List<int[]> expected = readOutputs(Path.of(file + ".out"));
        assertEquals(46, texts.size(), "texts in " + file + ".inp");
        assertEquals(texts.size(), expected.size(), "lines in " + file + ".out");

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tokenizer.encode(texts.get(i), false, false);
            if (!Arrays.equals(expected.get(i), ids)) {
                failures.add("case " + i + " " + quote(texts.get(i)) + ": expected " + Arrays.toString(expected.get(i))
                        + " got " + Arrays.toString(ids));
            }
        }
        assertTrue(failures.isEmpty(), vocabFile + ": " + failures.size() + "/" + texts.size() + " cases differ:\n"
                + String.join("\n", failures));
    }

    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf", "ggml-vocab-gpt-2.gguf",
            "qwen3-vocab.gguf", "llama3-vocab.gguf", "tekken-vocab.gguf"})
    void decodingGivesTheTextBack(String vocabFile) throws IOException {
        Path file = TestData.require("vocab/" + vocabFile);
        Tokenizer tokenizer = TestVocabs.vocab(vocabFile);
        boolean cleans = ((AbstractTokenizer) tokenizer).cleansSpaces();
        List<String> failures = new ArrayList<>();
        for (String text : readInputs(Path.of(file + ".inp"))) {
            int[] ids = tokenizer.encode(text, false, false);
            // Streaming joins the raw pieces: always the exact bytes of the text (SentencePiece: after its dummy prefix).
            TokenDecoder decoder = tokenizer.decoder();
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(decoder.feed(id));
            }
            streamed.append(decoder.flush());
            String expectedStream = tokenizer.vocabulary().addSpacePrefix() && !text.isEmpty() ? " " + text : text;
            if (!expectedStream.contentEquals(streamed)) {
                failures.add("streamed " + quote(text) + " -> " + quote(streamed.toString()));
            }
            // Whole-sequence decoding strips the dummy prefix; vocabularies that clean spaces are lossy by design.
            if (!cleans && !text.equals(tokenizer.decode(ids))) {
                failures.add("decoded " + quote(text) + " -> " + quote(tokenizer.decode(ids)));
            }
        }
        assertTrue(failures.isEmpty(), vocabFile + ":\n" + String.join("\n", failures));
    }

    /** Cutting SentencePiece input at unjoinable points (and caching the pieces) must not change any id. */
    @ParameterizedTest
    @ValueSource(strings = {"ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf"})
    void sentencePieceShortcutsGiveTheSameIdsAsOneRun(String vocabFile) throws IOException {
        Path file = TestData.require("vocab/" + vocabFile);
        SentencePieceTokenizer spm = (SentencePieceTokenizer) TestVocabs.vocab(vocabFile);
        String all = String.join(" \n", readInputs(Path.of(file + ".inp")));
        String text = all + all; // the second copy is served from the cache
        assertArrayEquals(spm.encodeInOneRun(text), spm.encode(text, false, false));
    }

    static List<String> readInputs(Path inp) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        assertEquals("", texts.removeLast(), "the file ends with the separator");
        return texts;
    }

    static List<int[]> readOutputs(Path out) throws IOException {
        List<int[]> ids = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            ids.add(Arrays.stream(line.split(" ")).filter(s -> !s.isEmpty()).mapToInt(Integer::parseInt).toArray());
        }
        return ids;
    }

    static String quote(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }
}
