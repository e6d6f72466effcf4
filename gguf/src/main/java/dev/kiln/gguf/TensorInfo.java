package dev.kiln.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor as the GGUF header describes it. The shape is in ggml order: {@code shape[0]} (ne0) is the
 * contiguous dimension, the row length of a matrix (its input size); a matrix {@code [cols, rows]} maps
 * {@code cols} inputs to {@code rows} outputs. {@code offsetBytes} is relative to the start of the file's
 * tensor data section.
 */
public record TensorInfo(String name, long[] shape, GgmlType type, long offsetBytes) {

    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        if (shape.length < 1 || shape.length > MAX_DIMS) {
            throw new IllegalArgumentException(name + ": " + shape.length + " dimensions (expected 1 to " + MAX_DIMS + ")");
        }
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new IllegalArgumentException(name + ": row length " + shape[0] + " is not a multiple of the "
                    + type + " block size " + type.blockSize());
        }
        type.byteSize(n);
        if (offsetBytes < 0) {
            throw new IllegalArgumentException(name + ": negative offset " + offsetBytes);
        }
    }

    /** A copy of the shape, ggml order. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} in ggml order, 1 beyond the rank. */
    public long dim(int i) {
        return i < shape.length ? shape[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    public long sizeBytes() {
        return type.byteSize(elementCount());
    }

    /** ne0: elements per row (the input size of a matrix). */
    public long rowLength() {
        return shape[0];
    }

    /** Rows: the product of every dimension after the first (the output size of a matrix). */
    public long rowCount() {
        return shape[0] == 0 ? 0 : elementCount() / shape[0];
    }

    public long rowSizeBytes() {
        return type.byteSize(shape[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && type == t.type && offsetBytes == t.offsetBytes;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), type, offsetBytes);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offsetBytes;
    }
}
