package dev.kiln.cuda;

import jcuda.driver.CUcontext;

/**
 * A CUDA context with the driver that made it. Contexts are current per thread, and a driver call on a thread
 * without the right one fails (cuMemFree answers CUDA_ERROR_INVALID_CONTEXT): every call that needs the context binds
 * it first with {@link #bind()}, which asks the driver only when this thread's last bound context was another one.
 */
final class CudaContext {
    private static final ThreadLocal<CudaContext> BOUND = new ThreadLocal<>();

    private final Driver driver;
    private final CUcontext context;

    CudaContext(Driver driver, CUcontext context) {
        this.driver = driver;
        this.context = context;
    }

    /** The calling thread's current context (for buffers made outside a backend, e.g. by the GPU check). */
    static CudaContext current(Driver driver) {
        CUcontext c = new CUcontext();
        CudaException.check(driver.ctxGetCurrent(c), "cuCtxGetCurrent");
        CudaContext context = new CudaContext(driver, c);
        BOUND.set(context);
        return context;
    }

    Driver driver() {
        return driver;
    }

    CUcontext handle() {
        return context;
    }

    /** Makes this context current on the calling thread. */
    void bind() {
        if (BOUND.get() != this) {
            CudaException.check(driver.ctxSetCurrent(context), "cuCtxSetCurrent");
            BOUND.set(this);
        }
    }

    /** Forgets that this thread has the context bound (after the context is released). */
    void unbound() {
        if (BOUND.get() == this) {
            BOUND.remove();
        }
    }
}
