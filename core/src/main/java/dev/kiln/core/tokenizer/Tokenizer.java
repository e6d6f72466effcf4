package dev.kiln.core.tokenizer;

/**
 * Text to token ids and back, for one vocabulary; ids match llama.cpp's {@code llama_tokenize} exactly. Implementations
 * are immutable and thread-safe (a {@link TokenDecoder} is not: make one per stream). Build one with
 * {@link Tokenizers#from(dev.kiln.gguf.Metadata)}.
 */
public interface Tokenizer {

    Vocabulary vocabulary();

    /**
     * The ids of {@code text}.
     *
     * @param addSpecial   add BOS/EOS where the vocabulary says so ({@code tokenizer.ggml.add_bos_token}/{@code add_eos_token})
     * @param parseSpecial recognise control tokens written in the text ({@code <|im_start|>}, {@code [INST]}, ...) as single
     *                     tokens, as a chat prompt needs; user-defined tokens are recognised either way, as in llama.cpp
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** {@code encode(text, true, false)}: plain text with BOS/EOS as the vocabulary says (llama-tokenize's default). */
    default int[] encode(String text) {
        return encode(text, true, false);
    }

    /**
     * The bytes of one token (llama.cpp's {@code token_to_piece} without stripping). Control and unknown tokens give no
     * bytes unless {@code renderSpecial}; the bytes may end inside a UTF-8 character (byte-fallback and byte-level tokens).
     */
    byte[] piece(int id, boolean renderSpecial);

    /**
     * The text of a whole sequence (llama.cpp's {@code detokenize}): pieces joined, SentencePiece's dummy-prefix space removed
     * from the first token, Hugging Face's {@code clean_up_tokenization_spaces} applied where the vocabulary uses it, then
     * decoded as UTF-8 (an invalid sequence becomes U+FFFD).
     */
    String decode(int[] ids, boolean renderSpecial);

    /** {@code decode(ids, false)}: control tokens (BOS, EOS, {@code <|im_end|>}, ...) are left out. */
    default String decode(int[] ids) {
        return decode(ids, false);
    }

    /** A streaming decoder for generated tokens, leaving control tokens out. */
    default TokenDecoder decoder() {
        return new TokenDecoder(this, false);
    }

    /** A streaming decoder; {@code renderSpecial} writes control tokens as their text. */
    default TokenDecoder decoder(boolean renderSpecial) {
        return new TokenDecoder(this, renderSpecial);
    }
}
