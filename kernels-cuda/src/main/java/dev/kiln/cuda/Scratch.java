package dev.kiln.cuda;

/**
 * A grow-only device buffer for backend-internal scratch (q8x activations, attention partials, F16 operands of
 * cuBLAS). It is reallocated only when a larger size is asked for, so after the first batch of each size the
 * pointers stay the same (which a captured CUDA graph needs).
 */
final class Scratch implements AutoCloseable {
    private final String what;
    private final Runnable beforeRealloc;
    private DeviceBuffer buffer;

    Scratch(String what) {
        this(what, () -> { });
    }

    /** beforeRealloc runs before the old buffer is freed (queued launches may still read it). */
    Scratch(String what, Runnable beforeRealloc) {
        this.what = what;
        this.beforeRealloc = beforeRealloc;
    }

    /** A buffer of at least {@code bytes}. */
    DeviceBuffer atLeast(long bytes) {
        if (buffer == null || buffer.sizeBytes() < bytes) {
            beforeRealloc.run();
            if (buffer != null) {
                buffer.close();
            }
            buffer = DeviceBuffer.allocate(Math.max(bytes, 256), what);
        }
        return buffer;
    }

    /** Current size, 0 before the first use. */
    long sizeBytes() {
        return buffer == null ? 0 : buffer.sizeBytes();
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
    }
}
