package dev.kiln.cpu.quant;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * What every kernel shares: range checks, dequantization as a loop over {@link #dequantizeBlock}, and a plain
 * dot product (one block dequantized into a per-thread scratch buffer, then multiplied) for types without a
 * vector kernel of their own.
 */
abstract class BlockKernel implements QuantKernel {

    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[256]);

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

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        return scalarDot(w, offsetBytes, x, xOffset, n);
    }

    /** The reference dot product: dequantize a block, multiply, accumulate in float. */
    final float scalarDot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        float[] block = SCRATCH.get(); // [blockSize]
        float sum = 0f;
        for (int b = 0, blocks = n / blockSize; b < blocks; b++) {
            dequantizeBlock(w, offsetBytes + (long) b * blockBytes, block, 0);
            int xo = xOffset + b * blockSize;
            for (int i = 0; i < blockSize; i++) {
                sum += block[i] * x[xo + i];
            }
        }
        return sum;
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
