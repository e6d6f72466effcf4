package dev.kiln.server.engine;

import dev.kiln.core.tokenizer.TokenDecoder;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Vocabulary;
import dev.kiln.server.model.Detokenizer;
import dev.kiln.server.model.TokenCodec;

import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;

/**
 * The model's tokenizer as a {@link TokenCodec}. Prompts are tokenized with special tokens parsed (the chat template
 * writes them) and BOS added where the vocabulary asks for it, as llama-server does. Generated text leaves control
 * tokens out, except the ones the server must see to split the reply, which are kept as text like llama-server's
 * "preserved tokens": think tags and tool-call markers.
 */
public final class TokenizerCodec implements TokenCodec {

    /** Marker tokens kept in the generated text when the vocabulary has them as single tokens. */
    static final List<String> PRESERVED = List.of("<think>", "</think>", "[THINK]", "[/THINK]", "[TOOL_CALLS]",
            "[ARGS]", "[CALL_ID]", "<tool_call>", "</tool_call>", "<|python_tag|>",
            "<\uff5ctool\u2581calls\u2581begin\uff5c>", "<\uff5ctool\u2581calls\u2581end\uff5c>",
            "<\uff5ctool\u2581call\u2581begin\uff5c>", "<\uff5ctool\u2581call\u2581end\uff5c>", "<\uff5ctool\u2581sep\uff5c>");

    private final Tokenizer tokenizer;
    private final Vocabulary vocabulary;
    private final BitSet preserved = new BitSet();
    private volatile dev.kiln.core.grammar.TokenTrie trie;

    public TokenizerCodec(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.vocabulary = tokenizer.vocabulary();
        for (String text : PRESERVED) {
            OptionalInt id = vocabulary.find(text);
            if (id.isPresent() && vocabulary.isControl(id.getAsInt())) {
                preserved.set(id.getAsInt());
            }
        }
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        return tokenizer.encode(text, addBos, true);
    }

    @Override
    public String decode(int[] tokens) {
        return tokenizer.decode(tokens, true);
    }

    @Override
    public Detokenizer detokenizer() {
        TokenDecoder decoder = tokenizer.decoder(false);
        return new Detokenizer() {
            @Override
            public String next(int token) {
                if (preserved.get(token)) {
                    return decoder.flush() + vocabulary.token(token);
                }
                return decoder.feed(token);
            }

            @Override
            public String flush() {
                return decoder.flush();
            }
        };
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return vocabulary.isEndOfGeneration(token);
    }

    @Override
    public String piece(int token) {
        return new String(tokenizer.piece(token, true), StandardCharsets.UTF_8);
    }

    @Override
    public dev.kiln.core.grammar.TokenTrie tokenTrie() {
        dev.kiln.core.grammar.TokenTrie t = trie;
        if (t == null) {
            synchronized (this) {
                t = trie;
                if (t == null) {
                    t = dev.kiln.core.grammar.TokenTrie.of(tokenizer, PRESERVED);
                    trie = t;
                }
            }
        }
        return t;
    }

    /** The text of the BOS token, "" when the vocabulary has none. */
    String bosText() {
        return vocabulary.bos() == Vocabulary.NONE ? "" : vocabulary.token(vocabulary.bos());
    }

    String eosText() {
        return vocabulary.eos() == Vocabulary.NONE ? "" : vocabulary.token(vocabulary.eos());
    }
}
