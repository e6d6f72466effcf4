package dev.kiln.cuda;

/**
 * A grow-only device buffer for backend-internal scratch (q8x activations, attention partials, F16 operands of
 * cuBLAS, batch arrays, the RoPE table). It is reallocated only when a larger size is asked for, so after the first
 * batch of each size the pointers stay the same (which a captured CUDA graph needs).
 *
 * <p>Growing frees the old buffer before allocating the new one (the peak stays at the larger size), and forgets it
 * first: when the allocation fails (out of memory) the scratch is empty, and the next request of any size allocates
 * afresh instead of handing out freed memory. {@link #generation()} changes with every new buffer, so a user that
 * keeps contents in it (the RoPE table) knows to write them again.
 */
final class Scratch implements AutoCloseable {
    private final CudaContext context;
    private final String what;
    private final Runnable beforeRealloc;
    private DeviceBuffer buffer;
    private int generation;

    /** beforeRealloc runs before the old buffer is freed (queued launches may still read it). */
    Scratch(CudaContext context, String what, Runnable beforeRealloc) {
        this.context = context;
        this.what = what;
        this.beforeRealloc = beforeRealloc;
    }

    /** A buffer of at least {@code bytes}; its contents are zero when it is new. */
    DeviceBuffer atLeast(long bytes) {
        if (buffer == null || buffer.sizeBytes() < bytes) {
            beforeRealloc.run();
            DeviceBuffer old = buffer;
            buffer = null;   // forgotten before anything can fail
            generation++;
            if (old != null) {
                old.close();
            }
            buffer = DeviceBuffer.allocate(context, Math.max(bytes, 256), what);
        }
        return buffer;
    }

    /** Current size, 0 before the first use and after a failed allocation. */
    long sizeBytes() {
        return buffer == null ? 0 : buffer.sizeBytes();
    }

    /** Changes whenever the buffer is replaced (or dropped by a failed allocation). */
    int generation() {
        return generation;
    }

    @Override
    public void close() {
        if (buffer != null) {
            DeviceBuffer b = buffer;
            buffer = null;
            b.close();
        }
    }
}
