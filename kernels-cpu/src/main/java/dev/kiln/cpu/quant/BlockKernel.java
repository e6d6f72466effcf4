package dev.kiln.cpu.quant;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What every kernel shares: the type, range checks, and dequantization as a loop over the scalar reference
 * {@link #dequantizeBlock}.
 */
abstract class BlockKernel implements QuantKernel {

    private final GgmlType type;
    final int blockSize;
    final int blockBytes;

    BlockKernel(GgmlType type) {
        this.type = type;
        this.blockSize = type.blockSize();
        this.blockBytes = type.bytesPerBlock();
    }

    @Override
    public final GgmlType type() {
        return type;
    }

    /** The scalar reference for one block: {@code blockSize} weights at {@code offset} into {@code dst[dstOffset..]}. */
    abstract void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset);

    @Override
    public final void dequantize(MemorySegment src, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(src, offsetBytes, dst.length, dstOffset, n);
        int blocks = n / blockSize;
        for (int b = 0; b < blocks; b++) {
            dequantizeBlock(src, offsetBytes + (long) b * blockBytes, dst, dstOffset + b * blockSize);
        }
    }

    /** Checks once per call that {@code n} weights fit in the segment and in the float array. */
    final void checkRange(MemorySegment src, long offsetBytes, int arrayLength, int arrayOffset, int n) {
        if (n % blockSize != 0) {
            throw new IllegalArgumentException(type + ": " + n + " weights is not a whole number of "
                    + blockSize + "-weight blocks");
        }
        Objects.checkFromIndexSize(arrayOffset, n, arrayLength);
        Objects.checkFromIndexSize(offsetBytes, (long) (n / blockSize) * blockBytes, src.byteSize());
    }
}
