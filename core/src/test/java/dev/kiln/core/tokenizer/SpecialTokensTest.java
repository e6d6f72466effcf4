package dev.kiln.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Special tokens in text, BOS/EOS, end-of-generation sets, on the reference vocabularies. */
class SpecialTokensTest {

    private static int id(Tokenizer t, String token) {
        return t.vocabulary().find(token).orElseThrow(() -> new AssertionError("no token " + token));
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }

    @Test
    void controlTokensInTextAreSingleTokensOnlyWhenParsingSpecial() {
        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        int start = id(qwen, "<|im_start|>");
        int end = id(qwen, "<|im_end|>");
        String text = "<|im_start|>user\nHi there<|im_end|>";

        int[] parsed = qwen.encode(text, false, true);
        assertArrayEquals(concat(new int[] {start}, qwen.encode("user\nHi there", false, false), new int[] {end}), parsed);

        int[] plain = qwen.encode(text, false, false);
        assertTrue(Arrays.stream(plain).noneMatch(i -> i == start || i == end), Arrays.toString(plain));
        assertEquals(text, qwen.decode(plain));
        assertEquals(text, qwen.decode(parsed, true));
        assertEquals("user\nHi there", qwen.decode(parsed, false));
    }

    @Test
    void userDefinedTokensAreRecognisedEvenWithoutSpecialParsing() {
        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        int think = id(qwen, "<think>");
        int endThink = id(qwen, "</think>");
        int[] ids = qwen.encode("<think>hmm</think>", false, false);
        assertEquals(think, ids[0]);
        assertEquals(endThink, ids[ids.length - 1]);
        // User-defined tokens are always rendered.
        assertEquals("<think>hmm</think>", qwen.decode(ids, false));
    }

    @Test
    void sentencePieceAddsTheDummyPrefixAfterASpecialToken() {
        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        int bos = spm.vocabulary().bos();
        assertArrayEquals(concat(new int[] {bos}, spm.encode("Hello", false, false)), spm.encode("<s>Hello", false, true));
        assertArrayEquals(spm.encode("Hello", true, false), spm.encode("<s>Hello", false, true));
    }

    @Test
    void bosAndEosFollowTheMetadata() {
        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        assertTrue(spm.vocabulary().addBos());
        assertFalse(spm.vocabulary().addEos());
        assertEquals(spm.vocabulary().bos(), spm.encode("Hello world")[0]);
        assertArrayEquals(new int[] {spm.vocabulary().bos()}, spm.encode("", true, false));
        assertArrayEquals(new int[0], spm.encode("", false, false));

        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        assertFalse(qwen.vocabulary().addBos());
        assertArrayEquals(qwen.encode("Hello", false, false), qwen.encode("Hello", true, false));

        Tokenizer llama3 = TestVocabs.vocab("llama3-vocab.gguf");
        assertEquals(id(llama3, "<|begin_of_text|>"), llama3.encode("Hello")[0]);

        Tokenizer tekken = TestVocabs.vocab("tekken-vocab.gguf");
        assertEquals(id(tekken, "<s>"), tekken.encode("Hello")[0]);
    }

    @Test
    void endOfGenerationFollowsLlamaCpp() {
        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        Vocabulary v = qwen.vocabulary();
        assertTrue(v.isEndOfGeneration(id(qwen, "<|im_end|>")));
        assertTrue(v.isEndOfGeneration(id(qwen, "<|endoftext|>")));
        assertTrue(v.isEndOfGeneration(id(qwen, "<|fim_pad|>")));
        assertFalse(v.isEndOfGeneration(id(qwen, "<|im_start|>")));
        assertFalse(v.isEndOfGeneration(id(qwen, "<think>")));
        assertFalse(v.isEndOfGeneration(-1));
        assertEquals(v.eos(), id(qwen, "<|im_end|>"));

        Tokenizer llama3 = TestVocabs.vocab("llama3-vocab.gguf");
        assertTrue(llama3.vocabulary().isEndOfGeneration(id(llama3, "<|eot_id|>")));
        assertTrue(llama3.vocabulary().isEndOfGeneration(id(llama3, "<|end_of_text|>")));
        assertFalse(llama3.vocabulary().isEndOfGeneration(id(llama3, "<|begin_of_text|>")));
        assertEquals(id(llama3, "<|eot_id|>"), llama3.vocabulary().eot());

        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        assertArrayEquals(new int[] {spm.vocabulary().eos()}, spm.vocabulary().endOfGenerationIds());

        Tokenizer phi3 = TestVocabs.vocab("ggml-vocab-phi-3.gguf");
        assertTrue(phi3.vocabulary().isEndOfGeneration(id(phi3, "<|end|>")));
        assertTrue(phi3.vocabulary().isEndOfGeneration(id(phi3, "<|endoftext|>")));
    }

    @Test
    void controlTokensAreLeftOutOfDecodedTextUnlessAskedFor() {
        Tokenizer llama3 = TestVocabs.vocab("llama3-vocab.gguf");
        int[] ids = llama3.encode("Hi", true, false);
        assertEquals("Hi", llama3.decode(ids));
        assertEquals("<|begin_of_text|>Hi", llama3.decode(ids, true));
    }
}
