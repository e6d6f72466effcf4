package dev.kiln.server.fake;

import dev.kiln.server.model.Detokenizer;
import dev.kiln.server.model.TokenCodec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A byte-level tokenizer for tests: tokens 0-255 are bytes, and a few special tokens are written as text
 * ({@code <s>}, {@code </s>}, {@code <think>}, {@code </think>}, {@code <|assistant|>}), so multi-byte characters
 * really are split across tokens.
 */
public final class ByteCodec implements TokenCodec {

    public static final int BOS = 256;
    public static final int EOS = 257;
    public static final int THINK = 258;
    public static final int END_THINK = 259;
    public static final int ASSISTANT = 260;
    public static final int VOCABULARY = 261;
    static final String[] SPECIAL = {"<s>", "</s>", "<think>", "</think>", "<|assistant|>"};

    @Override
    public int[] encode(String text, boolean addBos) {
        List<Integer> tokens = new ArrayList<>();
        if (addBos) {
            tokens.add(BOS);
        }
        int i = 0;
        outer:
        while (i < text.length()) {
            for (int s = 0; s < SPECIAL.length; s++) {
                if (text.startsWith(SPECIAL[s], i)) {
                    tokens.add(256 + s);
                    i += SPECIAL[s].length();
                    continue outer;
                }
            }
            int cp = text.codePointAt(i);
            for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                tokens.add(b & 0xff);
            }
            i += Character.charCount(cp);
        }
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String decode(int[] tokens) {
        Detokenizer d = detokenizer();
        StringBuilder out = new StringBuilder();
        for (int t : tokens) {
            out.append(d.next(t));
        }
        return out.append(d.flush()).toString();
    }

    @Override
    public Detokenizer detokenizer() {
        return new Detokenizer() {
            final ByteArrayOutputStream pending = new ByteArrayOutputStream();

            @Override
            public String next(int token) {
                if (token >= 256) {
                    return flush() + SPECIAL[token - 256];
                }
                pending.write(token);
                byte[] bytes = pending.toByteArray();
                int complete = completeLength(bytes);
                pending.reset();
                pending.write(bytes, complete, bytes.length - complete);
                return new String(bytes, 0, complete, StandardCharsets.UTF_8);
            }

            @Override
            public String flush() {
                String s = new String(pending.toByteArray(), StandardCharsets.UTF_8);
                pending.reset();
                return s;
            }
        };
    }

    /** Length of the longest prefix that does not end inside a UTF-8 sequence. */
    static int completeLength(byte[] bytes) {
        int i = bytes.length;
        int back = 0;
        while (i > 0 && back < 4 && (bytes[i - 1] & 0xC0) == 0x80) {
            i--;
            back++;
        }
        if (i == 0) {
            return bytes.length;
        }
        int lead = bytes[i - 1] & 0xff;
        int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return need == back + 1 ? bytes.length : i - 1;
    }

    /** Bytes 0-255 are themselves; EOS ends generation; the other specials are never allowed by a grammar. */
    @Override
    public dev.kiln.core.grammar.TokenTrie tokenTrie() {
        return TRIE;
    }

    private static final dev.kiln.core.grammar.TokenTrie TRIE;

    static {
        byte[][] bytes = new byte[VOCABULARY][];
        for (int b = 0; b < 256; b++) {
            bytes[b] = new byte[] {(byte) b};
        }
        TRIE = dev.kiln.core.grammar.TokenTrie.of(bytes, new int[] {EOS});
    }

    @Override
    public boolean isEndOfGeneration(int token) {
        return token == EOS;
    }

    @Override
    public String piece(int token) {
        if (token >= 256) {
            return SPECIAL[token - 256];
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE);
        try {
            CharBuffer c = decoder.decode(ByteBuffer.wrap(new byte[] {(byte) token}));
            return c.toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return "\ufffd";
        }
    }
}
