package dev.kiln.core.grammar;

/**
 * A grammar or schema that cannot be compiled: a syntax error (with line and column), a JSON Schema keyword the
 * engine cannot enforce (with its JSON pointer), a grammar that can never end, left recursion, or a size limit.
 */
public class GrammarException extends RuntimeException {

    public GrammarException(String message) {
        super(message);
    }

    public GrammarException(String message, Throwable cause) {
        super(message, cause);
    }
}
