package dev.kiln.core.tokenizer;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The token list of a GGUF file with everything llama.cpp derives from it: token texts, scores and types, the attribute
 * bits llama.cpp uses when splitting and decoding (types plus its text-based corrections: {@code <|im_end|>} and friends
 * are forced to control tokens), the special ids (BOS, EOS, EOT, EOM, UNK, SEP, PAD, MASK, FIM), whether BOS/EOS are added,
 * and the end-of-generation set. Ids that are absent are {@link #NONE}. Built by {@link VocabularyReader}.
 */
public final class Vocabulary {
    /** The id of an absent special token (llama.cpp's {@code LLAMA_TOKEN_NULL}). */
    public static final int NONE = -1;

    // llama.cpp's llama_token_attr bits.
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;

    /** The special ids, in one record so that the reader can fill them in one place. */
    record SpecialIds(int bos, int eos, int eot, int eom, int unk, int sep, int pad, int mask,
                      int fimPre, int fimSuf, int fimMid, int fimPad, int fimRep, int fimSep) {}

    private final String model;
    private final String preTokenizer;
    private final String[] tokens;
    private final float[] scores;
    private final TokenType[] types;
    private final int[] attributes;
    private final Map<String, Integer> ids;
    private final SpecialIds special;
    private final boolean addBos;
    private final boolean addEos;
    private final boolean addSpacePrefix;
    private final BitSet endOfGeneration;
    /** Control, user-defined and unknown tokens, longest text first: the order in which text is searched for them. */
    private final int[] specialTokensByLength;
    private final TokenTable table;

    Vocabulary(String model, String preTokenizer, String[] tokens, float[] scores, TokenType[] types, int[] attributes,
               Map<String, Integer> ids, SpecialIds special, boolean addBos, boolean addEos, boolean addSpacePrefix,
               BitSet endOfGeneration) {
        this.model = model;
        this.preTokenizer = preTokenizer;
        this.tokens = tokens;
        this.scores = scores;
        this.types = types;
        this.attributes = attributes;
        this.ids = ids;
        this.special = special;
        this.addBos = addBos;
        this.addEos = addEos;
        this.addSpacePrefix = addSpacePrefix;
        this.endOfGeneration = endOfGeneration;
        this.table = new TokenTable(tokens);
        this.specialTokensByLength = java.util.stream.IntStream.range(0, tokens.length)
                .filter(i -> (attributes[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0)
                .boxed()
                .sorted((a, b) -> Integer.compare(utf8Length(tokens[b]), utf8Length(tokens[a])))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    /** {@code tokenizer.ggml.model}: {@code llama} (SentencePiece) or {@code gpt2} (byte-level BPE). */
    public String model() {
        return model;
    }

    /** {@code tokenizer.ggml.pre}, or {@code default} when absent. */
    public String preTokenizer() {
        return preTokenizer;
    }

    public int size() {
        return tokens.length;
    }

    /** The text of token {@code id} as stored in the file (SentencePiece {@code ▁}, GPT-2 byte spelling). */
    public String token(int id) {
        return tokens[check(id)];
    }

    public float score(int id) {
        return scores[check(id)];
    }

    /** The type stored in the file (llama.cpp may treat the token as a control token regardless; see {@link #isControl}). */
    public TokenType type(int id) {
        return types[check(id)];
    }

    /** The id of the token whose text is exactly {@code text}. */
    public OptionalInt find(String text) {
        Integer id = ids.get(text);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of {@code text}, or {@link #NONE}. */
    int idOf(String text) {
        Integer id = ids.get(text);
        return id == null ? NONE : id;
    }

    public int bos() {
        return special.bos();
    }

    public int eos() {
        return special.eos();
    }

    /** End of turn ({@code tokenizer.ggml.eot_token_id}, or found by text: {@code <|eot_id|>}, {@code <|im_end|>}, ...). */
    public int eot() {
        return special.eot();
    }

    public int eom() {
        return special.eom();
    }

    public int unk() {
        return special.unk();
    }

    public int sep() {
        return special.sep();
    }

    public int pad() {
        return special.pad();
    }

    public int mask() {
        return special.mask();
    }

    SpecialIds specialIds() {
        return special;
    }

    /** Whether {@code encode(text, addSpecial = true, ...)} starts with BOS ({@code tokenizer.ggml.add_bos_token}). */
    public boolean addBos() {
        return addBos;
    }

    public boolean addEos() {
        return addEos;
    }

    /** SentencePiece's dummy prefix: a space is put before text that starts the input or follows a special token. */
    public boolean addSpacePrefix() {
        return addSpacePrefix;
    }

    /**
     * True for the tokens that end generation, as llama.cpp's {@code llama_vocab_is_eog}: EOS, EOT, EOM, the FIM pad/repo/
     * file-separator tokens and the tokens recognised by their text ({@code <|im_end|>}, {@code <|eot_id|>},
     * {@code <|endoftext|>}, {@code </s>}, {@code <end_of_turn>}, ...).
     */
    public boolean isEndOfGeneration(int id) {
        return id >= 0 && endOfGeneration.get(id);
    }

    /** The end-of-generation ids, ascending. */
    public int[] endOfGenerationIds() {
        return endOfGeneration.stream().toArray();
    }

    /** A control token (rendered only when special tokens are asked for; recognised in text only when parsing special). */
    public boolean isControl(int id) {
        return (attributes[check(id)] & ATTR_CONTROL) != 0;
    }

    /** A user-defined (added) token: always recognised in text as one token, always rendered. */
    public boolean isUserDefined(int id) {
        return (attributes[check(id)] & ATTR_USER_DEFINED) != 0;
    }

    public boolean isByte(int id) {
        return (attributes[check(id)] & ATTR_BYTE) != 0;
    }

    public boolean isUnknown(int id) {
        return (attributes[check(id)] & ATTR_UNKNOWN) != 0;
    }

    public boolean isUnused(int id) {
        return (attributes[check(id)] & ATTR_UNUSED) != 0;
    }

    /** Allocation-free lookup of token texts for the merge loops. */
    TokenTable table() {
        return table;
    }

    int attributes(int id) {
        return attributes[id];
    }

    int[] specialTokensByLength() {
        return specialTokensByLength;
    }

    private int check(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + tokens.length + ")");
        }
        return id;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return "Vocabulary[" + model + "/" + preTokenizer + ", " + tokens.length + " tokens, bos=" + bos() + ", eos="
                + eos() + ", eog=" + Arrays.toString(endOfGenerationIds()) + "]";
    }
}
