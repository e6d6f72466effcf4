package dev.kiln.cuda;

import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.gguf.GgmlType;

/** A CudaBackend over {@link FakeDriver} and {@link FakeBlas}: the backend's Java paths without a GPU. */
final class FakeCuda implements AutoCloseable {
    final FakeDriver driver;
    final FakeBlas blas;
    final CudaBackend backend;
    private final java.util.List<CudaTensor> made = new java.util.ArrayList<>();

    FakeCuda(String prefill) {
        this(new FakeDriver(), prefill);
    }

    FakeCuda(FakeDriver driver, String prefill) {
        this.driver = driver;
        this.blas = new FakeBlas(driver);
        this.backend = CudaBackend.open(driver, blas, new CudaProbe(true, "Fake GPU (compute capability 8.9)", 1),
                BackendConfig.of(1).with(CudaBackendProvider.PREFILL, prefill));
    }

    CudaOps ops() {
        return (CudaOps) backend.ops();
    }

    /** A weight matrix [rows][cols] of {@code type} (contents irrelevant: nothing computes). */
    CudaTensor weights(GgmlType type, int rows, int cols) {
        long bytes = type.byteSize((long) rows * cols);
        CudaTensor t = new CudaTensor(DeviceBuffer.allocate(backend.context(), bytes, "w"), type, (long) rows * cols, cols, "w", x -> { });
        made.add(t);
        return t;
    }

    CudaTensor floats(long n) {
        return (CudaTensor) backend.allocate(n);
    }

    KvLayer cache(int sequences, int capacity, int kvWidth) {
        long cells = (long) sequences * capacity;
        return new KvLayer(backend.allocateCache(GgmlType.F16, cells * kvWidth), backend.allocateCache(GgmlType.F16, cells * kvWidth),
                GgmlType.F16, sequences, capacity, kvWidth, kvWidth);
    }

    /** One sequence, rows at cells 0..n-1. */
    static Batch rows(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i % 100;
        }
        return Batch.ofSequence(0, 0, t, 0, n, false);
    }

    @Override
    public void close() {
        made.forEach(CudaTensor::close);
        backend.close();
    }
}
