package dev.kiln.cpu.quant;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * The arithmetic on one ggml weight type: a scalar dequantizer (the reference every fast path is tested against)
 * and a dot product of quantized weights with float activations. Implementations are stateless and thread-safe.
 */
public interface QuantKernel {

    GgmlType type();

    /**
     * Scalar reference: dequantizes {@code n} weights (a multiple of the block size) starting at {@code offsetBytes}
     * of {@code src} into {@code dst[dstOffset .. dstOffset+n)}.
     */
    void dequantize(MemorySegment src, long offsetBytes, float[] dst, int dstOffset, int n);

    /**
     * Fast path of {@link #dequantize}: bit for bit the same floats (the same operations in the same order, no fused
     * multiply-add), with vector code. Batched matmul unpacks a tile of rows with it and reuses the floats for every
     * token.
     */
    void decode(MemorySegment src, long offsetBytes, float[] dst, int dstOffset, int n);

    /**
     * Fast path: the dot product of {@code n} quantized weights (a multiple of the block size) at
     * {@code offsetBytes} of {@code w} with {@code x[xOffset .. xOffset+n)}.
     */
    float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n);
}
