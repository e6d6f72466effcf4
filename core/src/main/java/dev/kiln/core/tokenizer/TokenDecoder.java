package dev.kiln.core.tokenizer;

/**
 * Turns generated tokens into text as they arrive. A token that ends inside a multi-byte UTF-8 character (a byte-fallback
 * {@code <0xE4>} or a byte-level BPE token holding part of a character) yields nothing until the character is complete;
 * bytes that can never form a character become U+FFFD. Pieces are used as they are (no dummy-prefix stripping, no space
 * clean-up), as llama.cpp prints generated text. Not thread-safe: one per stream.
 */
public final class TokenDecoder {
    private final Tokenizer tokenizer;
    private final boolean renderSpecial;
    /** Bytes of an incomplete character, carried to the next token. */
    private byte[] pending = new byte[0];

    TokenDecoder(Tokenizer tokenizer, boolean renderSpecial) {
        this.tokenizer = tokenizer;
        this.renderSpecial = renderSpecial;
    }

    /** Adds token {@code id}; returns the text completed by it (possibly empty). */
    public String feed(int id) {
        byte[] piece = tokenizer.piece(id, renderSpecial);
        if (piece.length == 0) {
            return "";
        }
        byte[] bytes;
        if (pending.length == 0) {
            bytes = piece;
        } else {
            bytes = new byte[pending.length + piece.length];
            System.arraycopy(pending, 0, bytes, 0, pending.length);
            System.arraycopy(piece, 0, bytes, pending.length, piece.length);
        }
        StringBuilder out = new StringBuilder(bytes.length);
        int end = Utf8.decodeComplete(bytes, out);
        pending = end == bytes.length ? new byte[0] : java.util.Arrays.copyOfRange(bytes, end, bytes.length);
        return out.toString();
    }

    /** True while the last tokens ended inside a character. */
    public boolean hasPending() {
        return pending.length > 0;
    }

    /** Ends the stream: an incomplete character left over becomes U+FFFD. */
    public String flush() {
        if (pending.length == 0) {
            return "";
        }
        String rest = new String(pending, java.nio.charset.StandardCharsets.UTF_8);
        pending = new byte[0];
        return rest;
    }
}
