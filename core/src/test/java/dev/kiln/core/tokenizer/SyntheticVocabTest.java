package dev.kiln.core.tokenizer;

import dev.kiln.gguf.Metadata;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tiny hand-made vocabularies: the merge order rules, byte fallback, metadata quirks and error messages. */
class SyntheticVocabTest {

    /** A SentencePiece vocabulary: <unk>, <s>, </s>, 256 byte tokens, then {@code extra} with {@code scores}. */
    private static Metadata.Builder spm(List<String> extra, float[] scores) {
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        tokens.addAll(extra);
        extra.forEach(e -> types.add(1));
        float[] allScores = new float[tokens.size()];
        System.arraycopy(scores, 0, allScores, tokens.size() - extra.size(), scores.length);
        return Metadata.builder()
                .putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putFloats("tokenizer.ggml.scores", allScores)
                .putInts("tokenizer.ggml.token_type", types.stream().mapToInt(Integer::intValue).toArray())
                .putBool("tokenizer.ggml.add_space_prefix", false);
    }

    private static int[] ids(Tokenizer t, String... tokens) {
        int[] out = new int[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            out[i] = t.vocabulary().find(tokens[i]).orElseThrow();
        }
        return out;
    }

    @Test
    void sentencePieceMergesTheHighestScoringPairFirst() {
        List<String> extra = List.of("a", "b", "c", "ab", "bc");
        Tokenizer abFirst = Tokenizers.from(spm(extra, new float[] {0, 0, 0, -1, -2}).build());
        assertArrayEquals(ids(abFirst, "ab", "c"), abFirst.encode("abc", false, false));
        Tokenizer bcFirst = Tokenizers.from(spm(extra, new float[] {0, 0, 0, -2, -1}).build());
        assertArrayEquals(ids(bcFirst, "a", "bc"), bcFirst.encode("abc", false, false));
        Tokenizer tie = Tokenizers.from(spm(extra, new float[] {0, 0, 0, -1, -1}).build());
        assertArrayEquals(ids(tie, "ab", "c"), tie.encode("abc", false, false), "a tie goes to the leftmost pair");
    }

    @Test
    void sentencePieceFallsBackToBytesAndAddsTheDummyPrefix() {
        Metadata.Builder b = spm(List.of("▁", "a", "▁a"), new float[] {0, 0, -1});
        b.remove("tokenizer.ggml.add_space_prefix");
        Tokenizer t = Tokenizers.from(b.build());
        assertTrue(t.vocabulary().addSpacePrefix(), "add_space_prefix defaults to true");
        int[] expected = {t.vocabulary().find("▁a").orElseThrow(), t.vocabulary().find("<0xC3>").orElseThrow(),
                t.vocabulary().find("<0xA9>").orElseThrow()};
        assertArrayEquals(expected, t.encode("aé", false, false));
        assertEquals("aé", t.decode(expected));
    }

    /** A byte-level BPE vocabulary: the 256 byte spellings, then {@code extra}, with {@code merges}. */
    private static Metadata bpe(List<String> extra, List<String> merges) {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteEncoding.charOf(b)));
        }
        tokens.addAll(extra);
        return Metadata.builder()
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "gpt-2")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putStrings("tokenizer.ggml.merges", merges)
                .build();
    }

    @Test
    void bpeMergesTheLowestRankFirst() {
        List<String> extra = List.of("ab", "bc", "abc");
        Tokenizer abFirst = Tokenizers.from(bpe(extra, List.of("a b", "b c")));
        assertArrayEquals(ids(abFirst, "ab", "c"), abFirst.encode("abc", false, false));
        Tokenizer bcFirst = Tokenizers.from(bpe(extra, List.of("b c", "a b")));
        assertArrayEquals(ids(bcFirst, "a", "bc"), bcFirst.encode("abc", false, false));
        Tokenizer chained = Tokenizers.from(bpe(extra, List.of("a b", "ab c")));
        assertArrayEquals(ids(chained, "abc"), chained.encode("abc", false, false));
        assertEquals("abc", chained.decode(chained.encode("abc", false, false)));
    }

    @Test
    void uint32MinusOneMeansNoToken() {
        Metadata m = spm(List.of("a"), new float[] {0})
                .putUint32("tokenizer.ggml.padding_token_id", 0xFFFF_FFFFL)
                .putUint32("tokenizer.ggml.seperator_token_id", 0xFFFF_FFFFL)
                .build();
        Vocabulary v = Tokenizers.from(m).vocabulary();
        assertEquals(Vocabulary.NONE, v.pad());
        assertEquals(Vocabulary.NONE, v.sep());
        assertEquals(1, v.bos());
        assertEquals(2, v.eos());
    }

    @Test
    void aFileWithoutVocabularyIsAClearError() {
        TokenizerException none = assertThrows(TokenizerException.class,
                () -> Tokenizers.from(Metadata.builder().putString("general.architecture", "llama").build()));
        assertTrue(none.getMessage().contains("tokenizer.ggml.model"), none.getMessage());

        TokenizerException noTokens = assertThrows(TokenizerException.class,
                () -> Tokenizers.from(Metadata.builder().putString("tokenizer.ggml.model", "llama").build()));
        assertTrue(noTokens.getMessage().contains("tokenizer.ggml.tokens"), noTokens.getMessage());

        TokenizerException noVocab = assertThrows(TokenizerException.class,
                () -> Tokenizers.from(Metadata.builder().putString("tokenizer.ggml.model", "none").build()));
        assertTrue(noVocab.getMessage().contains("no vocabulary"), noVocab.getMessage());
    }

    @Test
    void unsupportedModelsAndPreTokenizersAreNamed() {
        TokenizerException model = assertThrows(TokenizerException.class,
                () -> Tokenizers.from(Metadata.builder().putString("tokenizer.ggml.model", "bert").build()));
        assertTrue(model.getMessage().contains("'bert'"), model.getMessage());

        Metadata.Builder b = Metadata.builder().putAll(bpe(List.of(), List.of()));
        b.set("tokenizer.ggml.pre", dev.kiln.gguf.MetadataValue.of("made-up-pre"));
        TokenizerException pre = assertThrows(TokenizerException.class, () -> Tokenizers.from(b.build()));
        assertTrue(pre.getMessage().contains("'made-up-pre'"), pre.getMessage());

        Metadata.Builder noMerges = Metadata.builder().putAll(bpe(List.of(), List.of()));
        noMerges.remove("tokenizer.ggml.merges");
        TokenizerException merges = assertThrows(TokenizerException.class, () -> Tokenizers.from(noMerges.build()));
        assertTrue(merges.getMessage().contains("tokenizer.ggml.merges"), merges.getMessage());
    }

    @Test
    void everyKnownPreTokenizerCompiles() {
        for (String name : PreTokenizer.names()) {
            PreTokenizer p = PreTokenizer.forName(name);
            String text = "Hello, World! It's 2024 — ½ Äpfel 你好\n\n  x";
            IntList words = p.split(text.codePoints().toArray());
            int total = 0;
            for (int i = 0; i < words.size(); i++) {
                assertTrue(words.get(i) > 0, name);
                total += words.get(i);
            }
            assertEquals(text.codePointCount(0, text.length()), total, name);
        }
    }
}
