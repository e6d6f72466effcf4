package dev.kiln.cli;

/** An invalid combination of flags or values, found after parsing; the message names the flag. */
public final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
