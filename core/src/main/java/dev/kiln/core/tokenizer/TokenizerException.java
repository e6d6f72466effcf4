package dev.kiln.core.tokenizer;

/** A file's tokenizer metadata cannot be used: missing vocabulary, unknown model or pre-tokenizer, inconsistent arrays. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }
}
