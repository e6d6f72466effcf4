package dev.kiln.core.tokenizer;

import dev.kiln.core.tokenizer.SpecialTokenSplitter.Fragment;

import java.util.Arrays;
import java.util.List;

/**
 * SentencePiece BPE ({@code tokenizer.ggml.model = llama}) as llama.cpp's {@code llm_tokenizer_spm}: spaces become
 * {@code ▁}, a dummy-prefix space goes before text that starts the input or follows a special token
 * ({@code add_space_prefix}), then adjacent symbols are merged greedily by the score of the merged token (highest first,
 * leftmost on ties); a symbol that is not a token is written as its UTF-8 bytes through the {@code <0xXX>} byte tokens.
 */
final class SentencePieceTokenizer extends AbstractTokenizer {
    private static final char SPACE_MARK = '\u2581';

    /** [256] the token of each byte ({@code <0xXX>}, else the one-byte string), or NONE. */
    private final int[] byteTokens = new int[256];

    SentencePieceTokenizer(Vocabulary vocabulary) {
        super(vocabulary, false);
        for (int b = 0; b < 256; b++) {
            int id = vocabulary.idOf(String.format("<0x%02X>", b));
            if (id == Vocabulary.NONE && b < 0x80) {
                id = vocabulary.idOf(String.valueOf((char) b));
            }
            byteTokens[b] = id;
        }
    }

    @Override
    protected byte[] computePiece(int id) {
        int attributes = vocabulary.attributes(id);
        String text = vocabulary.token(id);
        if ((attributes & (Vocabulary.ATTR_UNKNOWN | Vocabulary.ATTR_CONTROL | Vocabulary.ATTR_USER_DEFINED)) != 0) {
            return utf8(text);
        }
        if ((attributes & Vocabulary.ATTR_NORMAL) != 0) {
            return utf8(text.replace(SPACE_MARK, ' '));
        }
        if ((attributes & Vocabulary.ATTR_BYTE) != 0) {
            return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
        }
        return new byte[0];
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial && vocabulary.addBos()) {
            out.add(vocabulary.bos());
        }
        List<Fragment> fragments = splitter.split(text, parseSpecial);
        boolean previousSpecial = true;
        Session session = new Session();
        for (Fragment f : fragments) {
            if (f.isText()) {
                String raw = text.substring(f.start(), f.end());
                String prefixed = vocabulary.addSpacePrefix() && previousSpecial ? " " + raw : raw;
                session.tokenize(prefixed.replace(' ', SPACE_MARK), out);
                previousSpecial = false;
            } else {
                out.add(f.token());
                previousSpecial = true;
            }
        }
        if (addSpecial && vocabulary.addEos()) {
            out.add(vocabulary.eos());
        }
        return out.toArray();
    }

    /** One run of the merge loop over one text; symbols are code points, linked in a list. */
    private final class Session {
        private final BigramQueue queue = new BigramQueue();
        // [symbols] start (chars), length (chars, 0 once merged away), prev, next, token (NONE if not a token).
        private int[] start = new int[0];
        private int[] length = new int[0];
        private int[] prev = new int[0];
        private int[] next = new int[0];
        private int[] token = new int[0];
        private String text;

        void tokenize(String s, IntList out) {
            text = s;
            int count = s.codePointCount(0, s.length());
            if (start.length < count) {
                start = new int[count];
                length = new int[count];
                prev = new int[count];
                next = new int[count];
                token = new int[count];
            }
            int offset = 0;
            for (int i = 0; i < count; i++) {
                int len = Character.charCount(s.codePointAt(offset));
                start[i] = offset;
                length[i] = len;
                prev[i] = i - 1;
                next[i] = i + 1 == count ? -1 : i + 1;
                token[i] = vocabulary.idOf(s.substring(offset, offset + len));
                offset += len;
            }
            queue.clear();
            for (int i = 1; i < count; i++) {
                tryAddBigram(i - 1, i);
            }
            while (!queue.isEmpty()) {
                queue.pop();
                int l = queue.left;
                int r = queue.right;
                if (length[l] == 0 || length[r] == 0 || length[l] + length[r] != queue.size) {
                    continue; // stale: one side was merged since
                }
                length[l] += length[r];
                length[r] = 0;
                token[l] = queue.token;
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                tryAddBigram(prev[l], l);
                tryAddBigram(l, next[l]);
            }
            for (int i = count == 0 ? -1 : 0; i != -1; i = next[i]) {
                if (token[i] != Vocabulary.NONE) {
                    out.add(token[i]);
                } else {
                    writeBytes(s.substring(start[i], start[i] + length[i]), out);
                }
            }
        }

        private void tryAddBigram(int l, int r) {
            if (l == -1 || r == -1) {
                return;
            }
            int size = length[l] + length[r];
            int id = vocabulary.idOf(text.substring(start[l], start[l] + size));
            if (id == Vocabulary.NONE) {
                return;
            }
            queue.push(BigramQueue.scorePriority(vocabulary.score(id)), l, r, size, id);
        }

        /** Byte fallback for a symbol that is not a token. */
        private void writeBytes(String symbol, IntList out) {
            for (byte b : utf8(symbol)) {
                int id = byteTokens[b & 0xFF];
                if (id == Vocabulary.NONE) {
                    id = vocabulary.unk();
                }
                if (id == Vocabulary.NONE) {
                    throw new TokenizerException("no byte token <0x" + String.format("%02X", b & 0xFF)
                            + "> and no unknown token for text " + Arrays.toString(symbol.codePoints().toArray()));
                }
                out.add(id);
            }
        }
    }
}
