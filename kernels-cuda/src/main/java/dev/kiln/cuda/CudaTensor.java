package dev.kiln.cuda;

import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.gguf.GgmlType;

/**
 * A tensor in device memory: an uploaded weight in its GGUF layout (rows of {@code cols} elements, ne[0] = cols),
 * an F32 activation buffer, or an F16 KV-cache buffer. Made and owned by one {@link CudaBackend}.
 */
final class CudaTensor implements DeviceTensor {
    private final DeviceBuffer buffer;
    private final GgmlType type;
    private final long elements;
    private final long cols;   // row length (ne[0]) for weights; elements for flat buffers
    private final String name;

    CudaTensor(DeviceBuffer buffer, GgmlType type, long elements, long cols, String name) {
        this.buffer = buffer;
        this.type = type;
        this.elements = elements;
        this.cols = cols;
        this.name = name;
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

    @Override
    public void close() {
        buffer.close();
    }

    @Override
    public String toString() {
        return name + " " + type + " [" + rows() + " x " + cols + "]";
    }
}
