package dev.kiln.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

import java.lang.foreign.MemorySegment;

/**
 * Device memory: a {@code CUdeviceptr} plus its size in bytes and the context it belongs to. Allocation failures
 * become one line naming what was being allocated, its size and the free memory, with the -ngl hint.
 * {@link #close()} frees it on any thread (it binds the context first, as the server's shutdown hook closes the KV
 * cache on its own thread); a failing free throws, naming the buffer, and leaves the buffer open rather than
 * pretending the memory came back.
 */
public final class DeviceBuffer implements AutoCloseable {
    /** Largest host copy per call: mapped segments over 2 GiB are copied in slices of this size. */
    private static final long COPY_SLICE = 1L << 30;

    private final CudaContext context;
    private final CUdeviceptr pointer;
    private final long sizeBytes;
    private final String what;
    private boolean closed;

    private DeviceBuffer(CudaContext context, CUdeviceptr pointer, long sizeBytes, String what) {
        this.context = context;
        this.pointer = pointer;
        this.sizeBytes = sizeBytes;
        this.what = what;
    }

    /** {@code sizeBytes} of zeroed device memory for {@code what}, in the calling thread's current context. */
    public static DeviceBuffer allocate(long sizeBytes, String what) {
        return allocate(CudaContext.current(Driver.CUDA), sizeBytes, what);
    }

    /** {@code sizeBytes} of zeroed device memory in {@code context} for {@code what} (e.g. "blk.3.ffn_down.weight"). */
    static DeviceBuffer allocate(CudaContext context, long sizeBytes, String what) {
        Driver driver = context.driver();
        context.bind();
        CUdeviceptr p = new CUdeviceptr();
        int r = driver.memAlloc(p, Math.max(1, sizeBytes));
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = {0}, total = {0};
            driver.memGetInfo(free, total);
            throw new CudaException(outOfMemory(what, sizeBytes, free[0], total[0]), r);
        }
        CudaException.check(r, "cuMemAlloc " + what + " (" + sizeBytes + " bytes)");
        int z = driver.memsetD8(p, (byte) 0, Math.max(1, sizeBytes));
        if (z != CUresult.CUDA_SUCCESS) {
            driver.memFree(p);
            CudaException.check(z, "cuMemsetD8 " + what);
        }
        return new DeviceBuffer(context, p, sizeBytes, what);
    }

    /** The one-line out-of-memory message: what, how much, what was free, and the remedy. */
    static String outOfMemory(String what, long sizeBytes, long freeBytes, long totalBytes) {
        return "out of GPU memory allocating " + what + " (" + mib(sizeBytes) + "; " + mib(freeBytes) + " free of "
                + mib(totalBytes) + "): use a smaller -ngl";
    }

    static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    public CUdeviceptr pointer() {
        return pointer;
    }

    /** A pointer {@code offsetBytes} into this buffer. */
    public CUdeviceptr at(long offsetBytes) {
        return pointer.withByteOffset(offsetBytes);
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public String what() {
        return what;
    }

    /** Whether the memory was freed. */
    public boolean isClosed() {
        return closed;
    }

    /** Copies a host segment (e.g. a mapped GGUF tensor) to the start of this buffer, synchronously. */
    public void upload(MemorySegment src) {
        checkFits(src.byteSize());
        context.bind();
        for (long off = 0; off < src.byteSize(); off += COPY_SLICE) {
            long n = Math.min(COPY_SLICE, src.byteSize() - off);
            Pointer host = Pointer.to(src.asSlice(off, n).asByteBuffer());
            CudaException.check(context.driver().memcpyHtoD(pointer.withByteOffset(off), host, n), "upload " + what);
        }
    }

    /** Copies floats to the start of this buffer, synchronously. */
    public void upload(float[] src, int floats) {
        checkFits(4L * floats);
        context.bind();
        CudaException.check(context.driver().memcpyHtoD(pointer, Pointer.to(src), 4L * floats), "upload " + what);
    }

    /** Copies ints to the start of this buffer, synchronously. */
    public void upload(int[] src, int count) {
        checkFits(4L * count);
        context.bind();
        CudaException.check(context.driver().memcpyHtoD(pointer, Pointer.to(src), 4L * count), "upload " + what);
    }

    /** Copies ints to the start of this buffer, queued on {@code stream} (the host array must stay unchanged until then). */
    public void uploadAsync(int[] src, int count, CUstream stream) {
        checkFits(4L * count);
        context.bind();
        CudaException.check(context.driver().memcpyHtoDAsync(pointer, Pointer.to(src), 4L * count, stream), "upload " + what);
    }

    /** Copies the first {@code floats} floats to the host, synchronously (after the work queued before it). */
    public void download(float[] dst, int floats) {
        checkFits(4L * floats);
        context.bind();
        CudaException.check(context.driver().memcpyDtoH(Pointer.to(dst), pointer, 4L * floats), "download " + what);
    }

    private void checkFits(long bytes) {
        if (bytes > sizeBytes) {
            throw new IllegalArgumentException(what + ": copy of " + bytes + " bytes into a buffer of " + sizeBytes);
        }
    }

    /**
     * Frees the memory (idempotent) with the buffer's context bound on the calling thread.
     *
     * @throws CudaException when the driver refuses, naming the buffer; it stays open
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        context.bind();
        CudaException.check(context.driver().memFree(pointer), "cuMemFree " + what + " (" + sizeBytes + " bytes)");
        closed = true;
    }

    @Override
    public String toString() {
        return what + " (" + sizeBytes + " bytes" + (closed ? ", freed" : "") + ")";
    }
}
