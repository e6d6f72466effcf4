package dev.kiln.cuda;

import dev.kiln.core.spi.Batch;
import jcuda.driver.CUdeviceptr;

/**
 * The per-row integers of the current {@link Batch} in device memory, uploaded once per batch instance (and KV
 * capacity), so kernels read positions and cache cells from the device:
 * <pre>  int [4][rows]:  tokens | positions | kvStart (= sequence * capacity) | kvLen (= cell + 1)</pre>
 * kv_store writes row kvStart + kvLen - 1; attention reads rows kvStart .. kvStart + kvLen - 1. When an upload
 * fails (e.g. out of memory growing the buffer) nothing is remembered, so the next batch uploads afresh.
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
    BatchArrays(CudaContext context, Runnable beforeUpload) {
        this.beforeUpload = beforeUpload;
        this.scratch = new Scratch(context, "batch arrays", beforeUpload);
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
            current = null;
            uploaded = new int[0];
            buffer = null;
            DeviceBuffer b = scratch.atLeast(4L * host.length);
            b.upload(host, host.length);
            buffer = b;
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

    /** Row {@code from}'s entry of each array (for launches over a slice of the rows). */
    CUdeviceptr tokens(int from) {
        return buffer.at(4L * from);
    }

    CUdeviceptr positions(int from) {
        return buffer.at(4L * (rows + from));
    }

    CUdeviceptr kvStart(int from) {
        return buffer.at(4L * (2 * rows + from));
    }

    CUdeviceptr kvLen(int from) {
        return buffer.at(4L * (3 * rows + from));
    }

    Scratch scratch() {
        return scratch;
    }

    @Override
    public void close() {
        scratch.close();
    }
}
