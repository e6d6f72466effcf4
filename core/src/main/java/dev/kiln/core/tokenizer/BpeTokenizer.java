package dev.kiln.core.tokenizer;

import dev.kiln.core.tokenizer.SpecialTokenSplitter.Fragment;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Byte-level BPE ({@code tokenizer.ggml.model = gpt2}) as llama.cpp's {@code llm_tokenizer_bpe}: the text is cut into
 * words by the {@link PreTokenizer}, each word's UTF-8 bytes are spelled with the GPT-2 byte characters, and adjacent
 * symbols are merged lowest merge rank first (leftmost on ties). With {@code ignore_merges} (Llama-3, tekken) a word that
 * is itself a token is emitted whole.
 */
final class BpeTokenizer extends AbstractTokenizer {
    private final PreTokenizer preTokenizer;
    private final MergeTable merges;
    /** [256] the token spelling each byte, or NONE. */
    private final int[] byteTokens = new int[256];
    private final TokenTable table;
    /**
     * Ids of recently seen words (a word's ids never depend on its context). Bounded: cleared when full. Words longer
     * than {@link #CACHED_WORD_CHARS} are not cached.
     */
    private final java.util.concurrent.ConcurrentHashMap<String, int[]> wordCache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 1 << 16;
    private static final int CACHED_WORD_CHARS = 32;

    BpeTokenizer(Vocabulary vocabulary, PreTokenizer preTokenizer, List<String> merges) {
        super(vocabulary, preTokenizer.config().cleanSpaces());
        this.preTokenizer = preTokenizer;
        this.merges = new MergeTable(vocabulary, merges);
        this.table = vocabulary.table();
        for (int b = 0; b < 256; b++) {
            byteTokens[b] = vocabulary.idOf(String.valueOf(ByteEncoding.charOf(b)));
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
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
            text.codePoints().forEach(cp -> {
                int b = ByteEncoding.byteOf(cp);
                if (b >= 0) {
                    out.write(b);
                } else {
                    // llama.cpp's llama_decode_text marks a character that spells no byte.
                    StringBuilder mark = new StringBuilder("[UNK_BYTE_0x");
                    for (byte u : utf8(new String(Character.toChars(cp)))) {
                        mark.append(String.format("%02x", u & 0xFF));
                    }
                    out.writeBytes(utf8(mark.append(text).append(']').toString()));
                }
            });
            return out.toByteArray();
        }
        if ((attributes & Vocabulary.ATTR_BYTE) != 0) {
            return SentencePieceTokenizer.byteOf(text);
        }
        return new byte[0];
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList();
        if (addSpecial && vocabulary.addBos()) {
            out.add(vocabulary.bos());
        }
        Session session = new Session();
        for (Fragment f : splitter.split(text, parseSpecial)) {
            if (f.isText()) {
                session.tokenize(text.substring(f.start(), f.end()), out);
            } else {
                out.add(f.token());
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

    /** The pre-tokenizer's words of {@code text} (for tests and diagnostics). */
    List<String> words(String text) {
        int[] cps = codePoints(text);
        IntList lengths = preTokenizer.split(cps);
        List<String> words = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < lengths.size(); i++) {
            words.add(new String(cps, start, lengths.get(i)));
            start += lengths.get(i);
        }
        return words;
    }

    /** Code points of {@code text}; a lone surrogate becomes U+FFFD (llama.cpp's reading of invalid UTF-8). */
    static int[] codePoints(String text) {
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) {
                cps[i] = 0xFFFD;
            }
        }
        return cps;
    }

    /** One text's merge state; arrays are reused across words. */
    private final class Session {
        private final BigramQueue queue = new BigramQueue();
        private byte[] bytes = new byte[64];
        private char[] spelled = new char[64];
        // [symbols] start, length (bytes, 0 once merged away), prev, next, token (NONE if the spelling is not a token).
        private int[] start = new int[64];
        private int[] length = new int[64];
        private int[] prev = new int[64];
        private int[] next = new int[64];
        private int[] token = new int[64];

        void tokenize(String text, IntList out) {
            int[] cps = codePoints(text);
            IntList lengths = preTokenizer.split(cps);
            int pos = 0;
            for (int w = 0; w < lengths.size(); w++) {
                int len = lengths.get(w);
                if (len <= CACHED_WORD_CHARS) {
                    String key = new String(cps, pos, len);
                    int[] cached = wordCache.get(key);
                    if (cached == null) {
                        IntList ids = new IntList();
                        mergeWord(encodeWord(cps, pos, pos + len), ids);
                        cached = ids.toArray();
                        if (wordCache.size() >= CACHE_LIMIT) {
                            wordCache.clear();
                        }
                        wordCache.put(key, cached);
                    }
                    for (int id : cached) {
                        out.add(id);
                    }
                } else {
                    mergeWord(encodeWord(cps, pos, pos + len), out);
                }
                pos += len;
            }
        }

        /** Writes the UTF-8 bytes of {@code cps[from, to)} to {@link #bytes}; returns their count. */
        private int encodeWord(int[] cps, int from, int to) {
            int n = 0;
            for (int i = from; i < to; i++) {
                if (bytes.length - n < 4) {
                    bytes = java.util.Arrays.copyOf(bytes, bytes.length * 2);
                }
                int cp = cps[i];
                if (cp < 0x80) {
                    bytes[n++] = (byte) cp;
                } else if (cp < 0x800) {
                    bytes[n++] = (byte) (0xC0 | (cp >> 6));
                    bytes[n++] = (byte) (0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    bytes[n++] = (byte) (0xE0 | (cp >> 12));
                    bytes[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    bytes[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    bytes[n++] = (byte) (0xF0 | (cp >> 18));
                    bytes[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    bytes[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    bytes[n++] = (byte) (0x80 | (cp & 0x3F));
                }
            }
            return n;
        }

        private void mergeWord(int n, IntList out) {
            if (n == 0) {
                return;
            }
            if (preTokenizer.config().ignoreMerges()) {
                if (spelled.length < n) {
                    spelled = new char[Math.max(n, spelled.length * 2)];
                }
                for (int i = 0; i < n; i++) {
                    spelled[i] = ByteEncoding.charOf(bytes[i]);
                }
                int whole = table.find(spelled, 0, n);
                if (whole != Vocabulary.NONE) {
                    out.add(whole);
                    return;
                }
            }
            if (start.length < n) {
                int cap = Math.max(n, start.length * 2);
                start = new int[cap];
                length = new int[cap];
                prev = new int[cap];
                next = new int[cap];
                token = new int[cap];
            }
            for (int i = 0; i < n; i++) {
                start[i] = i;
                length[i] = 1;
                prev[i] = i - 1;
                next[i] = i + 1 == n ? -1 : i + 1;
                token[i] = byteTokens[bytes[i] & 0xFF];
            }
            queue.clear();
            for (int i = 1; i < n; i++) {
                addBigram(i - 1, i);
            }
            while (!queue.isEmpty()) {
                queue.pop();
                int l = queue.left;
                int r = queue.right;
                if (length[l] == 0 || length[r] == 0 || length[l] + length[r] != queue.size) {
                    continue; // outdated
                }
                length[l] += length[r];
                length[r] = 0;
                token[l] = queue.token;
                next[l] = next[r];
                if (next[r] >= 0) {
                    prev[next[r]] = l;
                }
                addBigram(prev[l], l);
                addBigram(l, next[l]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                if (token[i] != Vocabulary.NONE) {
                    out.add(token[i]);
                } else {
                    // llama.cpp looks up each byte of the spelling's UTF-8 as a one-character token.
                    String spelling = ByteEncoding.encode(bytes, start[i], start[i] + length[i]);
                    for (byte b : spelling.getBytes(StandardCharsets.UTF_8)) {
                        if (b >= 0) {
                            int id = vocabulary.idOf(String.valueOf((char) b));
                            if (id != Vocabulary.NONE) {
                                out.add(id);
                            }
                        }
                    }
                }
            }
        }

        private void addBigram(int l, int r) {
            if (l == -1 || r == -1) {
                return;
            }
            int rank;
            int merged;
            if (token[l] != Vocabulary.NONE && token[r] != Vocabulary.NONE) {
                long v = merges.lookup(token[l], token[r]);
                if (v < 0) {
                    return;
                }
                rank = (int) (v >>> 32);
                merged = (int) v;
            } else {
                String left = ByteEncoding.encode(bytes, start[l], start[l] + length[l]);
                String right = ByteEncoding.encode(bytes, start[r], start[r] + length[r]);
                rank = merges.rankOf(left, right);
                if (rank < 0) {
                    return;
                }
                merged = vocabulary.idOf(left + right);
            }
            queue.push(rank, l, r, length[l] + length[r], merged);
        }
    }
}
