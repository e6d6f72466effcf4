package dev.kiln.server.slot;

/** No slot is free and the wait queue is full: the server answers 503. */
public final class QueueFullException extends Exception {
    public QueueFullException(String message) {
        super(message);
    }
}
