package dev.kiln.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Word splits of the pre-tokenizers, read off their regexes (cases the reference vectors do not pin down). */
class PreTokenizerTest {

    private static List<String> words(String vocab, String text) {
        return ((BpeTokenizer) TestVocabs.vocab(vocab)).words(text);
    }

    @Test
    void gpt2ContractionsAreCaseSensitive() {
        assertEquals(List.of("Hello", " world"), words("ggml-vocab-gpt-2.gguf", "Hello world"));
        assertEquals(List.of("'s", " it", "'", "S"), words("ggml-vocab-gpt-2.gguf", "'s it'S"));
        assertEquals(List.of(" ", " hi"), words("ggml-vocab-gpt-2.gguf", "  hi"));
        assertEquals(List.of("a", "  \n"), words("ggml-vocab-gpt-2.gguf", "a  \n"));
    }

    @Test
    void llama3ContractionsAreCaseInsensitiveAndDigitsGoByThree() {
        assertEquals(List.of("I", "'LL", " ", "123", "45"), words("llama3-vocab.gguf", "I'LL 12345"));
        assertEquals(List.of("'S", "up"), words("llama3-vocab.gguf", "'Sup"));
    }

    @Test
    void qwen2SplitsSingleDigits() {
        assertEquals(List.of("2", "0", "2", "4"), words("qwen3-vocab.gguf", "2024"));
        assertEquals(List.of("I", "'LL", " go"), words("qwen3-vocab.gguf", "I'LL go"));
        assertEquals(List.of("Äpfel", " 你好"), words("qwen3-vocab.gguf", "Äpfel 你好"));
    }

    /** Random strings over characters from every class the regexes distinguish. */
    private static List<int[]> randomTexts(int count) {
        int[] alphabet = ("aAzZbcXYq019 \t\n\r'sStTlLdDmMrReEvV.,!?/-_\"#()[]{}<>@$%^&*+=|~`"
                + "\u00A0\u2003\u3000\u0085éÄßΣσ你好ǅʰ\u0301\u0308½²٣①€©✓😀🦙\u200D\uFE0F\u0000\u001F\u00AD").codePoints().toArray();
        java.util.SplittableRandom random = new java.util.SplittableRandom(42);
        List<int[]> texts = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] cps = new int[1 + random.nextInt(24)];
            for (int j = 0; j < cps.length; j++) {
                cps[j] = alphabet[random.nextInt(alphabet.length)];
            }
            texts.add(cps);
        }
        return texts;
    }

    private static void assertSameSplits(SplitStage expected, SplitStage actual) {
        for (int[] cps : randomTexts(5000)) {
            IntList whole = new IntList();
            whole.add(cps.length);
            int[] want = expected.apply(cps, whole).toArray();
            int[] got = actual.apply(cps, whole).toArray();
            assertEquals(java.util.Arrays.toString(want), java.util.Arrays.toString(got),
                    "splits of " + java.util.Arrays.toString(cps));
        }
    }

    @Test
    void handWrittenQwen2SplitMatchesTheRegex() {
        assertSameSplits(new RegexSplit(PreTokenizer.QWEN2_REGEX), new Llama3Split(1));
    }

    @Test
    void handWrittenTekkenSplitMatchesTheRegex() {
        assertSameSplits(new RegexSplit(PreTokenizer.TEKKEN_REGEX), new TekkenSplit());
    }

    @Test
    void llamaCppsLlama3SplitMatchesTheRegex() {
        assertSameSplits(new RegexSplit(PreTokenizer.LLAMA3_REGEX), new Llama3Split(3));
    }

    @Test
    void tekkenSplitsOnCase() {
        assertEquals(List.of("Hello", "World"), words("tekken-vocab.gguf", "HelloWorld"));
        assertEquals(List.of("hello", "WORLD"), words("tekken-vocab.gguf", "helloWORLD"));
        assertEquals(List.of("ABCdef"), words("tekken-vocab.gguf", "ABCdef"));
        assertEquals(List.of("1", "2"), words("tekken-vocab.gguf", "12"));
    }
}
