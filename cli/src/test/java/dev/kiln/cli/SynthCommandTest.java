package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln synth} writes files that {@code kiln inspect} reads back with the requested shape. */
class SynthCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static final String[] SMALL = {"--set", "block_count=3", "--set", "embedding_length=256",
            "--set", "feed_forward_length=512", "--set", "attention.head_count=4",
            "--set", "attention.head_count_kv=2", "--set", "vocab_size=2000"};

    private static String[] args(String... first) {
        String[] all = new String[first.length + SMALL.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(SMALL, 0, all, first.length, SMALL.length);
        return all;
    }

    @Test
    void smallQwen3FileRoundTripsThroughInspect() throws IOException {
        Path file = dir.resolve("q.gguf");
        CliRun run = CliRun.of(args("synth", "--shape", "qwen3-8b", "--type", "Q4_K_M", "-o", file.toString()));
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("wrote "), run.out());
        CliRun inspect = CliRun.of("inspect", "--json", file.toString());
        assertEquals(0, inspect.status(), inspect.err());
        JsonNode node = JSON.readTree(inspect.out());
        assertEquals("qwen3", node.get("architecture").asText());
        JsonNode md = node.get("metadata");
        assertEquals(3, md.get("qwen3.block_count").asInt());
        assertEquals(256, md.get("qwen3.embedding_length").asInt());
        assertEquals(512, md.get("qwen3.feed_forward_length").asInt());
        assertEquals(4, md.get("qwen3.attention.head_count").asInt());
        assertEquals(2, md.get("qwen3.attention.head_count_kv").asInt());
        assertEquals(128, md.get("qwen3.attention.key_length").asInt());
        assertEquals("yarn", md.get("qwen3.rope.scaling.type").asText());
        assertEquals(2000, node.get("tokenizer").get("vocab_size").asInt());
        assertEquals("qwen2", node.get("tokenizer").get("pre").asText());
        // 3 global + 11 per block; Q4_K_M with 3 blocks: output, and attn_v/ffn_down of block 2 only
        // (use_more_bits(i, 3): i >= 7*3/8 = 2) in Q6_K
        assertEquals(3 + 11 * 3, node.get("tensor_count").asInt());
        assertEquals(3, node.get("types").get("Q6_K").asInt());
        assertEquals(Files.size(file), node.get("file_size").asLong());
    }

    @Test
    void vocabularyIsCopiedFromVocab() throws IOException {
        Path vocab = TestData.require("vocab/ggml-vocab-llama-spm.gguf");
        Path file = dir.resolve("t.gguf");
        CliRun run = CliRun.of(args("synth", "--shape", "tinyllama-1.1b", "--type", "Q8_0", "--vocab",
                vocab.toString(), "-o", file.toString()));
        assertEquals(0, run.status(), run.err());
        assertTrue(run.err().contains("vocab_size 32000"), run.err()); // the --set 2000 is replaced
        JsonNode node = JSON.readTree(CliRun.of("inspect", "--json", file.toString()).out());
        assertEquals(32000, node.get("tokenizer").get("vocab_size").asInt());
        assertEquals(32000, node.get("metadata").get("llama.vocab_size").asInt());
        assertEquals(7, node.get("metadata").get("general.file_type").asInt());
    }

    @Test
    void explicitTokenizerSettingsWinOverTheVocabulary() throws IOException {
        Path vocab = TestData.require("vocab/qwen3-vocab.gguf");   // it has a chat template of its own
        Path file = dir.resolve("tmpl.gguf");
        String template = "{% for m in messages %}[{{ m.role }}] {{ m.content }}{% endfor %}";
        CliRun run = CliRun.of(args("synth", "--shape", "qwen3-8b", "--type", "Q8_0", "--vocab", vocab.toString(),
                "--set", "tokenizer.chat_template=" + template, "-o", file.toString()));
        assertEquals(0, run.status(), run.err());
        JsonNode node = JSON.readTree(CliRun.of("inspect", "--json", file.toString()).out());
        assertEquals(template, node.get("metadata").get("tokenizer.chat_template").asText());
        assertFalse(node.get("metadata").has("qwen3.tokenizer.chat_template"));
    }

    @Test
    void badArgumentsAreOneLineUsageErrors() {
        CliRun unknown = CliRun.of("synth", "--shape", "gpt-5", "-o", dir.resolve("x.gguf").toString());
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().contains("--shape") && unknown.err().contains("tinyllama-1.1b"), unknown.err());
        assertEquals(1, unknown.err().strip().lines().count(), unknown.err());
        CliRun mix = CliRun.of("synth", "--shape", "tinyllama-1.1b", "--type", "Q5_Z", "-o", "x.gguf");
        assertEquals(2, mix.status());
        assertTrue(mix.err().contains("--type"), mix.err());
        CliRun noOut = CliRun.of("synth", "--shape", "tinyllama-1.1b");
        assertEquals(2, noOut.status());
        assertTrue(noOut.err().contains("-o"), noOut.err());
        CliRun badSet = CliRun.of("synth", "--shape", "tinyllama-1.1b", "--set", "block_count=many", "-o", "x.gguf");
        assertEquals(2, badSet.status());
        assertTrue(badSet.err().contains("block_count"), badSet.err());
        assertFalse(Files.exists(Path.of("x.gguf")));
    }

    @Test
    void listShowsEveryShape() {
        CliRun run = CliRun.of("synth", "--list");
        assertEquals(0, run.status(), run.err());
        for (String name : new String[] {"mistral-7b-v0.3", "mistral-small-24b-2501", "devstral-small-2-24b-2512",
                "qwen3-8b", "tinyllama-1.1b"}) {
            assertTrue(run.out().contains(name), run.out());
        }
        assertTrue(run.out().contains("7.25 B"), run.out());
    }
}
