package dev.kiln.server.model;

/**
 * The model's tokenizer as the server uses it: prompts to tokens (special tokens written in the text, such as
 * {@code <|im_start|>}, are parsed as special because the chat template produces them), tokens back to text, and
 * which tokens end a generation (EOS, EOT, {@code <|im_end|>}...).
 */
public interface TokenCodec {

    /** Tokens of {@code text}; {@code addBos} prepends BOS when the model wants one. */
    int[] encode(String text, boolean addBos);

    /** Text of a whole token sequence (for {@code /detokenize}); special tokens are rendered as their text. */
    String decode(int[] tokens);

    /** A fresh streaming decoder for one generation. */
    Detokenizer detokenizer();

    /** True for the tokens that end a generation. */
    boolean isEndOfGeneration(int token);

    /** The exact text of one token (for logprobs); may be a partial UTF-8 character rendered leniently. */
    String piece(int token);

    /**
     * The vocabulary as grammars see it (each token's bytes, the end-of-generation tokens), or null when this codec
     * cannot constrain output; then requests with a grammar are refused.
     */
    default dev.kiln.core.grammar.TokenTrie tokenTrie() {
        return null;
    }
}
