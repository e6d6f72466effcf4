package dev.kiln.core.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming decoding: a character split over tokens is emitted once, whole, when its last byte arrives. */
class TokenDecoderTest {

    private static List<String> stream(Tokenizer t, int[] ids) {
        TokenDecoder decoder = t.decoder();
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(decoder.feed(id));
        }
        assertFalse(decoder.hasPending(), "a complete text leaves nothing pending");
        assertEquals("", decoder.flush());
        return out;
    }

    @Test
    void byteFallbackTokensEmitTheCharacterWithTheLastByte() {
        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        int[] ids = spm.encode("🦙", false, false);
        // "▁" then the four byte tokens of U+1F999.
        assertEquals(5, ids.length);
        for (int i = 1; i < 5; i++) {
            assertTrue(spm.vocabulary().isByte(ids[i]), "byte token at " + i);
        }
        assertEquals(List.of(" ", "", "", "", "🦙"), stream(spm, ids));
    }

    @Test
    void byteLevelTokensHoldingPartOfACharacterWait() {
        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        String text = "Grüße aus Köln, 你好世界 🦙";
        int[] ids = qwen.encode(text, false, false);
        List<String> pieces = stream(qwen, ids);
        assertEquals(text, String.join("", pieces));
        assertTrue(pieces.stream().noneMatch(p -> p.indexOf('\uFFFD') >= 0), pieces.toString());
        assertTrue(pieces.contains(""), "the emoji is split over tokens: " + pieces);
    }

    @Test
    void aTruncatedCharacterBecomesAReplacementOnFlush() {
        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        int[] ids = spm.encode("🦙", false, false);
        TokenDecoder decoder = spm.decoder();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) {
            out.append(decoder.feed(ids[i]));
        }
        assertTrue(decoder.hasPending());
        out.append(decoder.flush());
        assertEquals(" \uFFFD", out.toString());
    }

    @Test
    void anInvalidByteIsReplacedAndDecodingGoesOn() {
        Tokenizer spm = TestVocabs.vocab("ggml-vocab-llama-spm.gguf");
        int lone = spm.vocabulary().find("<0x9F>").orElseThrow(); // a continuation byte with no lead byte
        int a = spm.vocabulary().find("a").orElseThrow();
        TokenDecoder decoder = spm.decoder();
        assertEquals("\uFFFD", decoder.feed(lone));
        assertEquals("a", decoder.feed(a));
    }

    @Test
    void controlTokensAreSilentUnlessRendered() {
        Tokenizer qwen = TestVocabs.vocab("qwen3-vocab.gguf");
        int end = qwen.vocabulary().find("<|im_end|>").orElseThrow();
        assertEquals("", qwen.decoder().feed(end));
        assertEquals("<|im_end|>", qwen.decoder(true).feed(end));
    }
}
