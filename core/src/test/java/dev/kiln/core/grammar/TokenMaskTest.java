package dev.kiln.core.grammar;

import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.gguf.GgufFile;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The trie-walk masks equal the brute-force answer (each token's bytes fed through the grammar) on a real
 * vocabulary, along random walks; the end-of-generation token is allowed exactly where the grammar may end.
 */
class TokenMaskTest {

    @Test
    void masksMatchTokenByTokenCheckingOnARealVocabulary() throws Exception {
        Tokenizer tokenizer;
        try (GgufFile f = GgufFile.open(TestData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            tokenizer = Tokenizers.from(f.metadata());
        }
        TokenTrie trie = TokenTrie.of(tokenizer, TokenTrie.MARKERS);
        Grammar schema = Grammar.jsonSchema("{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\","
                + " \"maxLength\": 6}, \"n\": {\"type\": \"integer\", \"minimum\": -5, \"maximum\": 300}, \"ok\":"
                + " {\"type\": \"boolean\"}, \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}},"
                + " \"required\": [\"name\", \"n\"], \"additionalProperties\": false}");
        Grammar gbnf = Grammar.gbnf(java.nio.file.Files.readString(TestData.require("gbnf/json.gbnf")));
        for (Grammar g : new Grammar[] {schema, gbnf, Grammar.anyJsonObject()}) {
            checkWalks(g.bind(trie), trie, tokenizer.vocabulary().eos());
        }
    }

    private static void checkWalks(TokenGrammar bound, TokenTrie trie, int eog) {
        Random random = new Random(5);
        for (int walk = 0; walk < 6; walk++) {
            GrammarMatcher m = bound.matcher();
            for (int step = 0; step < 40 && !m.isComplete(); step++) {
                long[] mask = m.mask();
                int allowed = 0;
                for (int t = 0; t < trie.vocabularySize(); t++) {
                    boolean bit = (mask[t >>> 6] >>> t & 1) != 0;
                    assertEquals(m.allows(t), bit, "token " + t + " at step " + step);
                    allowed += bit ? 1 : 0;
                }
                assertEquals(m.canEnd(), (mask[eog >>> 6] >>> eog & 1) != 0);
                assertTrue(allowed > 0);
                int pick = random.nextInt(allowed);
                for (int t = 0; t < trie.vocabularySize(); t++) {
                    if ((mask[t >>> 6] >>> t & 1) != 0 && pick-- == 0) {
                        if (trie.isEndOfGeneration(t)) {
                            step = 99;
                        } else {
                            assertTrue(m.accept(t));
                        }
                        break;
                    }
                }
            }
        }
    }
}
