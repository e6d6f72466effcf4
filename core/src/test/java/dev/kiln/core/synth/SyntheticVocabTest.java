package dev.kiln.core.synth;

import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generated vocabularies have the real ones' size, special tokens and key types, and consistent merges. */
class SyntheticVocabTest {

    @Test
    void generatedVocabulariesLookLikeTheRealOnes() throws IOException {
        check(VocabKind.LLAMA_SPM, 32000, "ggml-vocab-llama-spm.gguf");
        check(VocabKind.TEKKEN, 131072, "tekken-vocab.gguf");
        check(VocabKind.QWEN2, 151936, "qwen3-vocab.gguf");
    }

    private static void check(VocabKind kind, int size, String realFile) throws IOException {
        Metadata ours = SyntheticVocab.generate(kind, size, 3);
        try (GgufFile file = GgufFile.open(TestData.require("vocab/" + realFile))) {
            Metadata real = file.metadata();
            for (String key : ours.keys()) {
                assertTrue(real.contains(key), kind + ": " + key + " is not in " + realFile);
                assertEquals(real.get(key).type(), ours.get(key).type(), kind + ": type of " + key);
                if (!key.equals("tokenizer.ggml.tokens") && !key.equals("tokenizer.ggml.token_type")
                        && !key.equals("tokenizer.ggml.scores") && !key.equals("tokenizer.ggml.merges")) {
                    assertEquals(real.get(key), ours.get(key), kind + ": " + key);
                }
            }
            List<String> tokens = ours.getStrings("tokenizer.ggml.tokens");
            List<String> realTokens = real.getStrings("tokenizer.ggml.tokens");
            assertEquals(size, tokens.size());
            assertEquals(size, ours.getInts("tokenizer.ggml.token_type").length);
            assertEquals(size, new HashSet<>(tokens).size(), kind + ": tokens must be unique");
            for (String special : List.of("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id")) {
                int id = ours.getInt(special);
                assertEquals(realTokens.get(id), tokens.get(id), kind + ": " + special);
                assertEquals(real.getInts("tokenizer.ggml.token_type")[id],
                        ours.getInts("tokenizer.ggml.token_type")[id], kind + ": type of " + special);
            }
            if (kind.model().equals("gpt2")) {
                Set<String> vocab = new HashSet<>(tokens);
                List<String> merges = ours.getStrings("tokenizer.ggml.merges");
                assertTrue(merges.size() > size / 2);
                for (String merge : merges) {
                    String[] parts = merge.split(" ");
                    assertEquals(2, parts.length, merge);
                    assertTrue(vocab.contains(parts[0]) && vocab.contains(parts[1])
                            && vocab.contains(parts[0] + parts[1]), kind + ": merge '" + merge + "'");
                }
                // the byte symbols are those of the real vocabulary
                assertTrue(vocab.containsAll(realTokens.stream().filter(t -> t.length() == 1)
                        .filter(t -> t.charAt(0) < 0x200).toList()), kind + ": byte symbols");
            } else {
                assertEquals(realTokens.subList(0, 259), tokens.subList(0, 259), "unk, bos, eos and byte tokens");
            }
        }
    }

    /** Kiln's tokenizers load every generated vocabulary, and text round-trips through it. */
    @Test
    void generatedVocabulariesTokenizeAndRoundTrip() {
        String text = "Hello world, the quick brown fox: 12345 \u00e9t\u00e9 \u4e2d\u6587!";
        for (VocabKind kind : VocabKind.values()) {
            int size = kind == VocabKind.QWEN2 ? 2000 : 1500;
            dev.kiln.core.tokenizer.Tokenizer tokenizer =
                    dev.kiln.core.tokenizer.Tokenizers.from(SyntheticVocab.generate(kind, size, 5));
            int[] ids = tokenizer.encode(text);
            assertTrue(ids.length > 0, kind.toString());
            for (int id : ids) {
                assertTrue(id >= 0 && id < size, kind + ": id " + id);
            }
            assertEquals(text, tokenizer.decode(ids).strip(), kind + ": round trip");
        }
    }

    @Test
    void byteSymbolsAreGpt2s() {
        assertEquals("!", SyntheticVocab.byteSymbol('!'));
        assertEquals("\u0120", SyntheticVocab.byteSymbol(' '));   // Ġ
        assertEquals("\u010A", SyntheticVocab.byteSymbol('\n'));  // Ċ
        assertEquals("\u0100", SyntheticVocab.byteSymbol(0));
        assertEquals("\u00FF", SyntheticVocab.byteSymbol(0xFF));
    }
}
