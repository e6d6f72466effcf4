package dev.kiln.core.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What both tokenizers share: the special-token split, the per-token pieces (computed once, as llama.cpp caches them)
 * and whole-sequence decoding with the dummy-prefix strip and the optional space clean-up.
 */
abstract sealed class AbstractTokenizer implements Tokenizer permits SentencePieceTokenizer, BpeTokenizer {
    private static final byte[] EMPTY = new byte[0];
    /** Warns about a doubled BOS, as llama.cpp does (the text already started with the BOS token). */
    protected static final org.slf4j.Logger DOUBLE_BOS = org.slf4j.LoggerFactory.getLogger(Tokenizer.class);

    protected final Vocabulary vocabulary;
    protected final SpecialTokenSplitter splitter;
    private final boolean cleanSpaces;
    /** [n_vocab] the bytes of each token with special tokens rendered. */
    private final byte[][] pieces;

    AbstractTokenizer(Vocabulary vocabulary, boolean cleanSpaces) {
        this.vocabulary = vocabulary;
        this.splitter = new SpecialTokenSplitter(vocabulary);
        this.cleanSpaces = cleanSpaces;
        this.pieces = new byte[vocabulary.size()][];
        for (int id = 0; id < pieces.length; id++) {
            pieces[id] = computePiece(id);
        }
    }

    /** The bytes of token {@code id} with special tokens rendered (llama.cpp's piece cache). */
    protected abstract byte[] computePiece(int id);

    @Override
    public final Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Whether {@link #decode} applies Hugging Face's {@code clean_up_tokenization_spaces} (llama.cpp's {@code clean_spaces}). */
    public final boolean cleansSpaces() {
        return cleanSpaces;
    }

    @Override
    public final byte[] piece(int id, boolean renderSpecial) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " out of range [0, " + pieces.length + ")");
        }
        if (!renderSpecial && (vocabulary.attributes(id) & (Vocabulary.ATTR_UNKNOWN | Vocabulary.ATTR_CONTROL)) != 0) {
            return EMPTY;
        }
        return pieces[id];
    }

    @Override
    public final String decode(int[] ids, boolean renderSpecial) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        boolean removeSpace = vocabulary.addSpacePrefix();
        for (int id : ids) {
            byte[] p = piece(id, renderSpecial);
            int from = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            out.write(p, from, p.length - from);
            removeSpace = false;
        }
        byte[] bytes = out.toByteArray();
        int length = cleanSpaces ? SpaceCleanup.apply(bytes) : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    /** The UTF-8 bytes of {@code s}. */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
