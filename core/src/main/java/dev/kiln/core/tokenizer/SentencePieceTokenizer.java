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
    /** Adjacent char pairs found inside some token: text may be cut anywhere else without changing the result. */
    private final IntSet joinablePairs = new IntSet();
    private final TokenTable table;
    /** Ids of recently seen segments (a segment's ids do not depend on its neighbours). Bounded: cleared when full. */
    private final java.util.concurrent.ConcurrentHashMap<String, int[]> segmentCache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 1 << 16;
    private static final int CACHED_SEGMENT_CHARS = 32;

    SentencePieceTokenizer(Vocabulary vocabulary) {
        super(vocabulary, false);
        this.table = vocabulary.table();
        for (int id = 0; id < vocabulary.size(); id++) {
            String t = vocabulary.token(id);
            for (int i = 1; i < t.length(); i++) {
                int p = pair(t.charAt(i - 1), t.charAt(i));
                if (p != Integer.MIN_VALUE) {
                    joinablePairs.add(p);
                }
            }
        }
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
            return byteOf(text);
        }
        return new byte[0];
    }

    /** The byte of a {@code <0xXX>} token; nothing for a byte-typed token spelled otherwise. */
    static byte[] byteOf(String text) {
        if (text.length() == 6 && text.startsWith("<0x") && text.endsWith(">")) {
            try {
                return new byte[] {(byte) Integer.parseInt(text.substring(3, 5), 16)};
            } catch (NumberFormatException e) {
                return new byte[0];
            }
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
                tokenizeInSegments(prefixed.replace(' ', SPACE_MARK), session, out);
                previousSpecial = false;
            } else {
                out.add(f.token());
                previousSpecial = true;
            }
        }
        if (addSpecial && vocabulary.addBos() && out.size() >= 2 && out.get(1) == vocabulary.bos()) {
            DOUBLE_BOS.warn("the model adds BOS and the text also starts with BOS: the ids start with two BOS tokens");
        }
        if (addSpecial && vocabulary.addEos()) {
            out.add(vocabulary.eos());
        }
        return out.toArray();
    }

    /** The ids of plain text (no special tokens) by one merge run over the whole text: the reference for the shortcuts. */
    int[] encodeInOneRun(String text) {
        IntList out = new IntList();
        String s = (vocabulary.addSpacePrefix() && !text.isEmpty() ? " " + text : text).replace(' ', SPACE_MARK);
        new Session().tokenize(s, 0, s.length(), out);
        return out.toArray();
    }

    private static int pair(char a, char b) {
        return (a << 16) | b;
    }

    /**
     * Runs the merge loop on the pieces of {@code s} between points that no token can span (the chars on either side
     * never occur next to each other in any token). No merge crosses such a point, and merges on either side never
     * affect each other, so the ids are the same as for one run over the whole text, which on a long text is much slower
     * (one large queue instead of many small ones).
     */
    private void tokenizeInSegments(String s, Session session, IntList out) {
        int from = 0;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            int p = pair(s.charAt(i - 1), c);
            if (!Character.isLowSurrogate(c) && p != Integer.MIN_VALUE && !joinablePairs.contains(p)) {
                tokenizeSegment(s, from, i, session, out);
                from = i;
            }
        }
        tokenizeSegment(s, from, s.length(), session, out);
    }

    private void tokenizeSegment(String s, int from, int to, Session session, IntList out) {
        if (to - from > CACHED_SEGMENT_CHARS) {
            session.tokenize(s, from, to, out);
            return;
        }
        String key = s.substring(from, to);
        int[] ids = segmentCache.get(key);
        if (ids == null) {
            IntList fresh = new IntList();
            session.tokenize(s, from, to, fresh);
            ids = fresh.toArray();
            if (segmentCache.size() >= CACHE_LIMIT) {
                segmentCache.clear();
            }
            segmentCache.put(key, ids);
        }
        for (int id : ids) {
            out.add(id);
        }
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

        void tokenize(String s, int from, int to, IntList out) {
            if (from == to) {
                return;
            }
            text = s;
            int count = s.codePointCount(from, to);
            if (start.length < count) {
                start = new int[count];
                length = new int[count];
                prev = new int[count];
                next = new int[count];
                token = new int[count];
            }
            int offset = from;
            for (int i = 0; i < count; i++) {
                int len = Character.charCount(s.codePointAt(offset));
                start[i] = offset;
                length[i] = len;
                prev[i] = i - 1;
                next[i] = i + 1 == count ? -1 : i + 1;
                token[i] = table.find(s, offset, offset + len);
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
            int id = table.find(text, start[l], start[l] + size);
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
