package dev.kiln.core.spi;

import dev.kiln.gguf.GgmlType;

/**
 * A tensor living on one backend: an uploaded weight (any ggml type the backend {@link Backend#supports}), an F32
 * activation buffer, or KV-cache storage (F32/F16/Q8_0). Only the backend that made it may use it in its
 * {@link Ops}; crossing backends goes through {@link Backend#toHost}/{@link Backend#fromHost}.
 */
public interface DeviceTensor extends AutoCloseable {

    /** Storage type of the elements. */
    GgmlType type();

    /** Number of elements (not bytes). */
    long elements();

    /** Frees device memory early; everything a backend made is freed by {@link Backend#close()} anyway. Idempotent. */
    @Override
    default void close() {}
}
