package dev.kiln.gguf;

/**
 * A malformed or unsupported GGUF file. The message names the byte offset where the problem was found,
 * what was expected there and what was found, e.g.
 * {@code "model.gguf: at byte 24: string length 9223372036854775807 exceeds the 1185352 bytes left in the file"}.
 */
public class GgufFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long offsetBytes;

    /**
     * @param offsetBytes where in the file the problem is, or -1 when it concerns the file as a whole
     */
    public GgufFormatException(long offsetBytes, String message) {
        super(offsetBytes >= 0 ? "at byte " + offsetBytes + ": " + message : message);
        this.offsetBytes = offsetBytes;
    }

    private GgufFormatException(String prefixedMessage, long offsetBytes, Throwable cause) {
        super(prefixedMessage, cause);
        this.offsetBytes = offsetBytes;
    }

    /** The byte offset the message refers to, or -1 when it concerns the file as a whole. */
    public long offsetBytes() {
        return offsetBytes;
    }

    /** The same problem with the file's name in front, so that a one-line message says which file. */
    GgufFormatException inFile(String fileName) {
        return new GgufFormatException(fileName + ": " + getMessage(), offsetBytes, this);
    }
}
