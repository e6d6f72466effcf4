package dev.kiln.server.model;

/**
 * Streaming token-to-text conversion for one generation: returns the text that became complete with this token
 * (a multi-byte UTF-8 character split over tokens is held back until it is whole), and {@link #flush()} returns what
 * is left at the end.
 */
public interface Detokenizer {

    String next(int token);

    String flush();
}
