package dev.kiln.gguf;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A tensor's description plus its bytes: a zero-copy slice of the mapped file, exactly
 * {@link TensorInfo#sizeBytes()} long, in the tensor's own ggml type. This is the only weight type the rest
 * of Kiln sees; it stays valid while the {@link GgufFile} it came from is open.
 */
public record TensorData(TensorInfo info, MemorySegment segment) {

    public TensorData {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(segment, "segment");
        if (segment.byteSize() != info.sizeBytes()) {
            throw new IllegalArgumentException(info.name() + ": segment of " + segment.byteSize()
                    + " bytes for a tensor of " + info.sizeBytes() + " bytes");
        }
    }

    public String name() {
        return info.name();
    }

    public GgmlType type() {
        return info.type();
    }

    public long[] shape() {
        return info.shape();
    }

    public long rowLength() {
        return info.rowLength();
    }

    public long rowCount() {
        return info.rowCount();
    }
}
