package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.gguf.GgufWriter;
import dev.kiln.gguf.Metadata;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int[] ids(CliRun run) throws IOException {
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().endsWith("]\n") || run.out().endsWith("]" + System.lineSeparator()), run.out());
        JsonNode array = JSON.readTree(run.out());
        assertTrue(array.isArray(), run.out());
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    /** Every case of the llama-tokenize references in testdata/synthetic (default flags: BOS as the model says). */
    @ParameterizedTest
    @CsvSource({"llama-small.tokenize.json, llama-small.Q4_K_M.gguf", "qwen3-small.tokenize.json, qwen3-small.Q4_K_M.gguf"})
    void agreesWithLlamaTokenize(String reference, String model) throws IOException {
        Path json = TestData.require("synthetic/" + reference);
        Path gguf = TestData.require("synthetic/" + model);
        JsonNode cases = JSON.readTree(json.toFile()).get("cases");
        assertTrue(cases.size() > 0);
        List<String> failures = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).intValue();
            }
            int[] got = ids(CliRun.of("tokenize", "-m", gguf.toString(), text));
            if (!Arrays.equals(expected, got)) {
                failures.add(text + ": expected " + Arrays.toString(expected) + " got " + Arrays.toString(got));
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void readsTheTextFromAFileAndDropsBosOnRequest(@TempDir Path dir) throws IOException {
        Path gguf = TestData.require("synthetic/llama-small.Q4_K_M.gguf");
        String text = "Line one\nLine two ✓\n";
        Path file = dir.resolve("prompt.txt");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        int[] fromArg = ids(CliRun.of("tokenize", "-m", gguf.toString(), text));
        int[] fromFile = ids(CliRun.of("tokenize", "-m", gguf.toString(), "--file", file.toString()));
        assertArrayEquals(fromArg, fromFile);
        int[] noBos = ids(CliRun.of("tokenize", "-m", gguf.toString(), "--no-bos", text));
        assertEquals(1, fromArg[0], "llama-small adds BOS = 1");
        assertArrayEquals(Arrays.copyOfRange(fromArg, 1, fromArg.length), noBos);
    }

    @Test
    void specialTokensAreParsedOnlyWithSpecial() throws IOException {
        Path gguf = TestData.require("vocab/qwen3-vocab.gguf");
        int[] parsed = ids(CliRun.of("tokenize", "-m", gguf.toString(), "--special", "<|im_start|>user"));
        int[] plain = ids(CliRun.of("tokenize", "-m", gguf.toString(), "<|im_start|>user"));
        assertEquals(151644, parsed[0], "<|im_start|> is token 151644 in the Qwen3 vocabulary");
        assertEquals(2, parsed.length);
        assertTrue(plain.length > 2 && Arrays.stream(plain).noneMatch(i -> i == 151644), Arrays.toString(plain));
    }

    @Test
    void usageErrorsExitWithStatus2() {
        Path gguf = TestData.require("vocab/qwen3-vocab.gguf");
        CliRun none = CliRun.of("tokenize", "-m", gguf.toString());
        assertEquals(2, none.status());
        assertTrue(none.err().contains("--file"), none.err());
        assertEquals(1, none.err().strip().lines().count(), none.err());
        CliRun noModel = CliRun.of("tokenize", "hello");
        assertEquals(2, noModel.status());
    }

    @Test
    void aFileWithoutVocabularyFailsWithOneLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("no-vocab.gguf");
        new GgufWriter(Metadata.builder().putString("general.architecture", "llama").build()).write(file);
        CliRun run = CliRun.of("tokenize", "-m", file.toString(), "hello");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("tokenizer.ggml.model"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }
}
