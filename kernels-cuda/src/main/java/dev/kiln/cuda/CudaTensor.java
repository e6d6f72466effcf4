package dev.kiln.cuda;

import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.gguf.GgmlType;

import java.util.function.Consumer;

/**
 * A tensor in device memory: an uploaded weight in its GGUF layout (rows of {@code cols} elements, ne[0] = cols),
 * an F32 activation buffer, or an F16 KV-cache buffer. Made and owned by one {@link CudaBackend}; closing it (on any
 * thread) frees the memory and tells the backend.
 */
final class CudaTensor implements DeviceTensor {
    private final DeviceBuffer buffer;
    private final GgmlType type;
    private final long elements;
    private final long cols;   // row length (ne[0]) for weights; elements for flat buffers
    private final String name;
    private final Consumer<CudaTensor> onClose;

    CudaTensor(DeviceBuffer buffer, GgmlType type, long elements, long cols, String name, Consumer<CudaTensor> onClose) {
        this.buffer = buffer;
        this.type = type;
        this.elements = elements;
        this.cols = cols;
        this.name = name;
        this.onClose = onClose;
    }

    @Override
    public GgmlType type() {
        return type;
    }

    @Override
    public long elements() {
        return elements;
    }

    long cols() {
        return cols;
    }

    long rows() {
        return elements / cols;
    }

    String name() {
        return name;
    }

    DeviceBuffer buffer() {
        return buffer;
    }

    /** Frees the device memory; a refused free is a BackendException naming the tensor (and it stays tracked). */
    @Override
    public void close() {
        if (buffer.isClosed()) {
            return;
        }
        try {
            buffer.close();
        } catch (CudaException e) {
            throw new BackendException("cuda: freeing " + this + ": " + e.getMessage(), e);
        }
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows() + " x " + cols + "]";
    }
}
