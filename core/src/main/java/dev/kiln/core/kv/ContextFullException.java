package dev.kiln.core.kv;

/** A sequence reached the KV cache's capacity (the context size); generation stops with this message. */
public class ContextFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int capacity;

    public ContextFullException(int capacity) {
        super("context is full (" + capacity + " tokens); use a larger --ctx-size");
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }
}
