package dev.kiln.core.spi;

/**
 * A backend failed: it could not be opened, ran out of device memory, or a kernel failed. The message names the
 * operation and the sizes involved (e.g. "cuda matMul Q4_K [4096 x 14336], 64 tokens: CUDA_ERROR_OUT_OF_MEMORY").
 */
public class BackendException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
