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

    @Test
    void tekkenSplitsOnCase() {
        assertEquals(List.of("Hello", "World"), words("tekken-vocab.gguf", "HelloWorld"));
        assertEquals(List.of("hello", "WORLD"), words("tekken-vocab.gguf", "helloWORLD"));
        assertEquals(List.of("ABCdef"), words("tekken-vocab.gguf", "ABCdef"));
        assertEquals(List.of("1", "2"), words("tekken-vocab.gguf", "12"));
    }
}
