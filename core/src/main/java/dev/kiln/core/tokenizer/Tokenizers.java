package dev.kiln.core.tokenizer;

import dev.kiln.core.tokenizer.Vocabulary.SpecialIds;
import dev.kiln.gguf.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link Tokenizer} a GGUF file describes: {@code tokenizer.ggml.model = llama} gives SentencePiece,
 * {@code gpt2} byte-level BPE with the pre-tokenizer named by {@code tokenizer.ggml.pre}. Anything else, or a file
 * without a vocabulary, is a {@link TokenizerException} saying what is missing or unsupported.
 */
public final class Tokenizers {
    private static final Logger LOG = LoggerFactory.getLogger(Tokenizers.class);

    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String MERGES = "tokenizer.ggml.merges";

    private static final int NONE = Vocabulary.NONE;

    private Tokenizers() {}

    public static Tokenizer from(Metadata metadata) {
        String model = metadata.findString(MODEL).orElseThrow(() -> new TokenizerException(
                "no tokenizer in this file: metadata key '" + MODEL + "' is missing"));
        return switch (model) {
            case "llama" -> sentencePiece(metadata);
            case "gpt2" -> bytePairEncoding(metadata);
            case "no_vocab", "none" -> throw new TokenizerException(
                    "this file has no vocabulary (" + MODEL + " = " + model + ")");
            default -> throw new TokenizerException("unsupported tokenizer model '" + model + "' (" + MODEL
                    + "); supported: llama (SentencePiece), gpt2 (byte-level BPE)");
        };
    }

    private static Tokenizer sentencePiece(Metadata metadata) {
        String pre = metadata.findString(PRE).orElse("default");
        SpecialIds ids = new SpecialIds(1, 2, NONE, NONE, 0, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE);
        Vocabulary vocabulary = VocabularyReader.read(metadata, "llama", pre,
                new VocabularyReader.Defaults(ids, true, false, true));
        return new SentencePieceTokenizer(vocabulary);
    }

    private static Tokenizer bytePairEncoding(Metadata metadata) {
        String pre = metadata.findString(PRE).orElseGet(() -> {
            LOG.warn("missing pre-tokenizer type ({}), using 'default': generation quality will be degraded", PRE);
            return "default";
        });
        PreTokenizer preTokenizer = PreTokenizer.forName(pre);
        if (!metadata.contains(MERGES)) {
            throw new TokenizerException("BPE vocabulary without merges: metadata key '" + MERGES + "' is missing");
        }
        int bos = preTokenizer.config().noBos() ? NONE : 11;
        SpecialIds ids = new SpecialIds(bos, 11, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE);
        Vocabulary vocabulary = VocabularyReader.read(metadata, "gpt2", pre,
                new VocabularyReader.Defaults(ids, preTokenizer.config().addBos(), false, false));
        return new BpeTokenizer(vocabulary, preTokenizer, metadata.getStrings(MERGES));
    }
}
