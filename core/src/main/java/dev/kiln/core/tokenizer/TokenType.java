package dev.kiln.core.tokenizer;

/**
 * The token types stored in {@code tokenizer.ggml.token_type} (llama.cpp's {@code llama_token_type}); the id is the
 * value in the file. Unknown values read as {@link #UNDEFINED}, as llama.cpp does.
 */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    private static final TokenType[] BY_ID = values();

    public static TokenType ofId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : UNDEFINED;
    }
}
