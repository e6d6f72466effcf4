package dev.kiln.core.graph;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;

import java.util.function.Predicate;

/** A backend that computes nothing and counts what is uploaded to and allocated on it (for placement and memory tests). */
public final class CountingBackend implements Backend {
    private final String name;
    public long uploadedBytes;
    public long allocatedFloats;
    public int allocations;
    public Predicate<Attention> attention = a -> true;
    public long free = Long.MAX_VALUE / 4;
    public long workspace, context;

    public CountingBackend(String name) {
        this.name = name;
    }

    private record Tensor(GgmlType type, long elements) implements DeviceTensor {}

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return name + " (counting)";
    }

    @Override
    public boolean supports(GgmlType weightType) {
        return true;
    }

    @Override
    public boolean supports(Attention a) {
        return attention.test(a);
    }

    @Override
    public boolean supportsCache(GgmlType cacheType) {
        return true;
    }

    @Override
    public DeviceTensor upload(TensorData weights) {
        uploadedBytes += weights.segment().byteSize();
        return new Tensor(weights.info().type(), weights.segment().byteSize());
    }

    @Override
    public DeviceTensor allocate(long floats) {
        allocatedFloats += floats;
        allocations++;
        return new Tensor(GgmlType.F32, floats);
    }

    @Override
    public DeviceTensor allocateCache(GgmlType type, long elements) {
        return new Tensor(type, elements);
    }

    @Override
    public Ops ops() {
        throw new UnsupportedOperationException("counting backend computes nothing");
    }

    @Override
    public void toHost(DeviceTensor src, float[] dst, int dstOffset, int floats) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void fromHost(float[] src, DeviceTensor dst, int floats) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void synchronize() {
    }

    @Override
    public long freeMemoryBytes() {
        return free;
    }

    @Override
    public long workspaceBytes(HyperParams hp, int batchRows) {
        return workspace;
    }

    @Override
    public long contextBytes() {
        return context;
    }

    @Override
    public void close() {
    }
}
