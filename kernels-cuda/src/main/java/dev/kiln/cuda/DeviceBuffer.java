package dev.kiln.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

import java.lang.foreign.MemorySegment;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8;

/**
 * Device memory: a {@code CUdeviceptr} plus its size in bytes, freed by {@link #close()} (idempotent). Allocation
 * failures become one line naming what was being allocated, its size and the free memory, with the -ngl hint.
 */
public final class DeviceBuffer implements AutoCloseable {
    /** Largest host copy per call: mapped segments over 2 GiB are copied in slices of this size. */
    private static final long COPY_SLICE = 1L << 30;

    private final CUdeviceptr pointer;
    private final long sizeBytes;
    private final String what;
    private boolean closed;

    private DeviceBuffer(CUdeviceptr pointer, long sizeBytes, String what) {
        this.pointer = pointer;
        this.sizeBytes = sizeBytes;
        this.what = what;
    }

    /** {@code sizeBytes} of zeroed device memory for {@code what} (e.g. "blk.3.ffn_down.weight"). */
    public static DeviceBuffer allocate(long sizeBytes, String what) {
        CUdeviceptr p = new CUdeviceptr();
        int r = cuMemAlloc(p, Math.max(1, sizeBytes));
        if (r == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            long[] free = {0}, total = {0};
            cuMemGetInfo(free, total);
            throw new CudaException(outOfMemory(what, sizeBytes, free[0], total[0]), r);
        }
        CudaException.check(r, "cuMemAlloc " + what + " (" + sizeBytes + " bytes)");
        CudaException.check(cuMemsetD8(p, (byte) 0, Math.max(1, sizeBytes)), "cuMemsetD8 " + what);
        return new DeviceBuffer(p, sizeBytes, what);
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

    /** Copies a host segment (e.g. a mapped GGUF tensor) to the start of this buffer, synchronously. */
    public void upload(MemorySegment src) {
        checkFits(src.byteSize());
        for (long off = 0; off < src.byteSize(); off += COPY_SLICE) {
            long n = Math.min(COPY_SLICE, src.byteSize() - off);
            Pointer host = Pointer.to(src.asSlice(off, n).asByteBuffer());
            CudaException.check(cuMemcpyHtoD(pointer.withByteOffset(off), host, n), "upload " + what);
        }
    }

    /** Copies floats to the start of this buffer, synchronously. */
    public void upload(float[] src, int floats) {
        checkFits(4L * floats);
        CudaException.check(cuMemcpyHtoD(pointer, Pointer.to(src), 4L * floats), "upload " + what);
    }

    /** Copies ints to the start of this buffer, queued on {@code stream} (the host array must stay unchanged until then). */
    public void uploadAsync(int[] src, int count, CUstream stream) {
        checkFits(4L * count);
        CudaException.check(cuMemcpyHtoDAsync(pointer, Pointer.to(src), 4L * count, stream), "upload " + what);
    }

    /** Copies the first {@code floats} floats to the host, synchronously (after the work queued before it). */
    public void download(float[] dst, int floats) {
        checkFits(4L * floats);
        CudaException.check(cuMemcpyDtoH(Pointer.to(dst), pointer, 4L * floats), "download " + what);
    }

    private void checkFits(long bytes) {
        if (bytes > sizeBytes) {
            throw new IllegalArgumentException(what + ": copy of " + bytes + " bytes into a buffer of " + sizeBytes);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cuMemFree(pointer);
        }
    }
}
