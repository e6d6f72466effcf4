package dev.kiln.cpu;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The CPU backend: weight matrices are the mapped {@link TensorData} themselves (zero copy); 1-D F32 weights (norms,
 * biases) are copied to the heap; activations and the KV cache are Java arrays. Work is split across a dedicated
 * {@link CpuThreads} pool of {@code BackendConfig.threads()} threads, never the common pool.
 */
public final class CpuBackend implements Backend {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CpuThreads threads;
    private final CpuOps ops;

    public CpuBackend(int threads) {
        this.threads = new CpuThreads(threads);
        this.ops = new CpuOps(this.threads);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return "cpu, " + threads.threads() + (threads.threads() == 1 ? " thread" : " threads");
    }

    @Override
    public boolean supports(GgmlType weightType) {
        return QuantKernels.supports(weightType);
    }

    @Override
    public boolean supportsCache(GgmlType cacheType) {
        return cacheType == GgmlType.F32 || cacheType == GgmlType.F16 || cacheType == GgmlType.Q8_0;
    }

    @Override
    public DeviceTensor upload(TensorData weights) {
        Objects.requireNonNull(weights, "weights");
        if (weights.info().rank() == 1 && weights.type() == GgmlType.F32) {
            return new CpuTensor.Floats(weights.segment().toArray(F32_LE));
        }
        if (!supports(weights.type())) {
            throw new IllegalArgumentException("tensor " + weights.name() + ": ggml type " + weights.type()
                    + " has no CPU kernel");
        }
        return new CpuTensor.Weights(weights);
    }

    @Override
    public DeviceTensor allocate(long floats) {
        if (floats < 0 || floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot allocate " + floats + " floats in one CPU buffer");
        }
        return new CpuTensor.Floats(new float[(int) floats]);
    }

    @Override
    public DeviceTensor allocateCache(GgmlType type, long elements) {
        return CpuTensor.Cache.allocate(type, elements);
    }

    @Override
    public Ops ops() {
        return ops;
    }

    @Override
    public void toHost(DeviceTensor src, float[] dst, int dstOffset, int floats) {
        System.arraycopy(CpuOps.floats(src), 0, dst, dstOffset, floats);
    }

    @Override
    public void fromHost(float[] src, DeviceTensor dst, int floats) {
        System.arraycopy(src, 0, CpuOps.floats(dst), 0, floats);
    }

    @Override
    public void synchronize() {
        // every op completes before it returns
    }

    @Override
    public long freeMemoryBytes() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /** Attention scores, one key and one value row per thread. */
    @Override
    public long workspaceBytes(HyperParams hp, int batchRows) {
        return 4L * threads.threads() * (hp.contextLength() + hp.keyLength() + hp.valueLength());
    }

    @Override
    public void close() {
        threads.close();
    }

    @Override
    public String toString() {
        return description();
    }
}
