package dev.kiln.core.chat.jinja;

/**
 * A chat template that cannot be parsed or rendered. When the template itself refused the input with
 * {@code raise_exception(message)}, {@link #getMessage()} is exactly that message (as Hugging Face's
 * {@code TemplateError} carries it) and {@link #raisedByTemplate()} is true; otherwise the message names the
 * problem and the template line.
 */
public final class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean raisedByTemplate;
    private final int line;

    public TemplateException(String message, int line) {
        this(message, line, false);
    }

    private TemplateException(String message, int line, boolean raisedByTemplate) {
        super(raisedByTemplate || line <= 0 ? message : "chat template line " + line + ": " + message);
        this.raisedByTemplate = raisedByTemplate;
        this.line = line;
    }

    /** The error a template raised itself with {@code raise_exception(message)}. */
    public static TemplateException raised(String message, int line) {
        return new TemplateException(message, line, true);
    }

    /** True when the template called {@code raise_exception}: the message is the template's own text. */
    public boolean raisedByTemplate() {
        return raisedByTemplate;
    }

    /** Template line (1-based) where the error happened, or 0 when unknown. */
    public int line() {
        return line;
    }
}
