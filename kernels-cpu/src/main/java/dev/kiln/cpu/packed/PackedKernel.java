package dev.kiln.cpu.packed;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * One GGUF weight type in the row-interleaved layout of the integer kernels: how a group of rows is packed, and
 * the product of a packed group with 8-bit activations ({@link Q8Activations}). A group holds as many rows as a
 * vector has {@code short} lanes, so each lane accumulates one row: products of a weight quant and an activation
 * quant are summed in 16-bit lanes as long as they cannot overflow, widened to 32 bits, scaled by the weight's
 * integer group scales, and turned into floats once per block with the float scales. Every kernel has a scalar
 * reference ({@link #reference}) that computes the same integers and the same float operations in the same order
 * from the original GGUF bytes, so the two agree bit for bit.
 */
public interface PackedKernel {

    GgmlType type();

    /** Weights per block (the GGUF block size: 256 for K-quants, 32 otherwise). */
    int blockLength();

    /** Bytes of one group-block: {@code groupRows} rows of one block. */
    int blockBytes(int groupRows);

    /** Block length of the activations this kernel multiplies with (256 or 32). */
    int activationBlock();

    /**
     * Packs rows {@code [firstRow, firstRow + rows)} (rows &lt;= groupRows; the rest of the group is zero) of the GGUF
     * matrix {@code src} (rows of {@code rowBytes} bytes, {@code cols} weights) as group {@code half} (0 or 1) of the pair
     * whose first block is at {@code pairOffset} of {@code dst} (see {@link PackedMatrix#at}).
     */
    void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
              MemorySegment dst, long pairOffset, int half);

    /**
     * Decode: {@code out[outOffset + i] = row i of groups g, g+1 · token t of x} for i &lt; 2·groupRows (padding rows
     * give 0); g is even (a pair's first group). Two groups share each activation broadcast. x must be quantized with {@link #activationBlock()}.
     */
    void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset);

    /**
     * Batches: {@code out[outOffset + j·outStride + r] = row r of group g · token t+j of x} for r &lt; groupRows and
     * j &lt; {@link Q8Activations#TOKEN_BLOCK}: each weight quant is unpacked once for four tokens.
     */
    void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride);

    /**
     * Whether {@link #multiplyQuadPair} is faster than its two {@link #multiplyQuad} calls: a batch then goes through
     * the kernel pair by pair instead of group by group (the pair's weights stay in cache across the batch's tokens).
     */
    default boolean batchesPairs() {
        return false;
    }

    /**
     * {@link #multiplyQuad} for both groups of the pair g, g+1 (g even): group g's rows at {@code outOffset + j·outStride},
     * group g+1's at {@code outOffset + groupRows + j·outStride} (the padding group of an odd count gives zeros). The
     * default is two calls of {@link #multiplyQuad}; a kernel that gains from sharing each activation broadcast
     * between the two groups overrides it.
     */
    default void multiplyQuadPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset,
                                  int outStride) {
        multiplyQuad(w, g, x, t, out, outOffset, outStride);
        multiplyQuad(w, g + 1, x, t, out, outOffset + w.groupRows(), outStride);
    }

    /**
     * Whether {@link #decodeGroup} is implemented: batched products of this type may then run in float, on weights
     * decoded a panel at a time ({@code PackedMatMul}'s float batches).
     */
    default boolean decodes() {
        return false;
    }

    /**
     * Decodes blocks {@code [firstBlock, firstBlock + blocks)} of group g into floats, column by column:
     * {@code panel[(j - firstBlock·blockLength())·groupRows + r]} = the weight of row r of the group at column j, the
     * value the type's GGUF dequantization gives ({@code QuantKernel#decode}, bit for bit); padding rows give 0.
     *
     * @param panel [blocks·blockLength()][groupRows]
     */
    default void decodeGroup(PackedMatrix w, int g, int firstBlock, int blocks, float[] panel) {
        throw new UnsupportedOperationException(type() + ": no float decoding of packed groups");
    }

    /**
     * The scalar reference: the GGUF row at byte {@code rowOffset} of {@code src} · token t of x, the same integers and
     * float operations as {@link #multiplyPair} and {@link #multiplyQuad} compute for that row.
     */
    float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t);
}
