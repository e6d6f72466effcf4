package dev.kiln.cuda;

import dev.kiln.core.spi.Batch;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/**
 * The per-row integers of the current {@link Batch} in device memory, uploaded once per batch instance (and KV
 * capacity), so kernels read positions and cache cells from the device:
 * <pre>  int [4][rows]:  tokens | positions | kvStart (= sequence * capacity) | kvLen (= cell + 1)</pre>
 * kv_store writes row kvStart + kvLen - 1; attention reads rows kvStart .. kvStart + kvLen - 1.
 */
final class BatchArrays implements AutoCloseable {
    private final Runnable beforeUpload;
    private final Scratch scratch;
    private DeviceBuffer buffer;
    private Batch current;
    private int[] uploaded = new int[0];
    private int currentCapacity = -1;
    private int rows;

    /** beforeUpload runs before the arrays are overwritten (queued launches may still read them). */
    BatchArrays(Runnable beforeUpload) {
        this.beforeUpload = beforeUpload;
        this.scratch = new Scratch("batch arrays", beforeUpload);
    }

    /** Makes sure {@code batch} is on the device; capacity is the KV cells per sequence (0 if no cache is involved yet). */
    void ensure(Batch batch, int capacity) {
        if (batch == current && (capacity == currentCapacity || capacity == 0)) {
            return;
        }
        int n = batch.size();
        int[] host = new int[4 * n];
        for (int r = 0; r < n; r++) {
            host[r] = batch.token(r);
            host[n + r] = batch.position(r);
            host[2 * n + r] = batch.sequence(r) * capacity;
            host[3 * n + r] = batch.cell(r) + 1;
        }
        if (!java.util.Arrays.equals(host, uploaded)) {   // e.g. one sequence: kvStart is 0 whatever the capacity
            beforeUpload.run();
            buffer = scratch.atLeast(4L * host.length);
            CudaException.check(cuMemcpyHtoD(buffer.pointer(), Pointer.to(host), 4L * host.length), "upload batch arrays");
            uploaded = host;
        }
        current = batch;
        currentCapacity = capacity;
        rows = n;
    }

    CUdeviceptr tokens() {
        return buffer.pointer();
    }

    CUdeviceptr positions() {
        return buffer.at(4L * rows);
    }

    CUdeviceptr kvStart() {
        return buffer.at(8L * rows);
    }

    CUdeviceptr kvLen() {
        return buffer.at(12L * rows);
    }

    @Override
    public void close() {
        scratch.close();
    }
}
