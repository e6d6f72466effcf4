package dev.kiln.core.tokenizer;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The llama2.c stories260K model in testdata/real: the encodings and the greedy output its README documents. */
class RealModelTokenizerTest {

    @Test
    void stories260kEncodesAsItsReadmeSays() {
        Tokenizer t = TestVocabs.load(TestData.require("real/stories260K.gguf"));
        assertArrayEquals(new int[] {403, 407, 261, 378}, t.encode("Once upon a time", false, false));
        assertArrayEquals(new int[] {346, 306, 414}, t.encode("Hello", false, false));
        assertArrayEquals(new int[] {317}, t.encode("Lily", false, false));
        // seperator/padding ids are 4294967295 in this file: "none".
        assertEquals(Vocabulary.NONE, t.vocabulary().sep());
        assertEquals(Vocabulary.NONE, t.vocabulary().pad());
        assertTrue(t.vocabulary().addBos(), "SentencePiece adds BOS when the key is absent");
    }

    /** The 200 greedy ids listed in the README decode, streamed token by token, to the 464 bytes llama2.c asserts. */
    @Test
    void stories260kGreedyIdsDecodeToTheReferenceText() throws IOException {
        String readme = Files.readString(TestData.require("real/README.md"));
        String text = codeBlockAfter(readme, "asserts this exact output").replace("\\n", "\n");
        int[] ids = Arrays.stream(codeBlockAfter(readme, "token ids after BOS are").trim().split("\\s+"))
                .mapToInt(Integer::parseInt).toArray();
        assertEquals(200, ids.length);
        assertEquals(464, text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);

        Tokenizer t = TestVocabs.load(TestData.require("real/stories260K.gguf"));
        assertEquals(text, t.decode(ids), "the dummy-prefix space of the first piece is dropped, as the runner does");
        TokenDecoder decoder = t.decoder();
        StringBuilder streamed = new StringBuilder();
        for (int id : ids) {
            streamed.append(decoder.feed(id));
        }
        assertEquals(" " + text, streamed.toString());
    }

    private static String codeBlockAfter(String doc, String marker) {
        int at = doc.indexOf(marker);
        assertTrue(at >= 0, "README has no '" + marker + "'");
        int open = doc.indexOf("```\n", at) + 4;
        return doc.substring(open, doc.indexOf("\n```", open));
    }
}
