package dev.kiln.cpu.simd;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Bit-field unpacking on 16 byte lanes. x86 has no byte shift instruction, so a byte-lane shift compiles to widen,
 * shift, narrow; shifting the same bits as 16-bit lanes is one instruction, and the caller's mask discards the bits
 * that cross from one byte into its neighbour.
 */
public final class Nibbles {
    private Nibbles() {}

    /** The low 4 bits of every byte. */
    public static ByteVector low(ByteVector q) {
        return q.and((byte) 0x0F);
    }

    /** The high 4 bits of every byte, as 0..15. */
    public static ByteVector high(ByteVector q) {
        return shiftRight(q, 4).and((byte) 0x0F);
    }

    /** Every byte shifted right by {@code n} (0..7), with the neighbour's low bits in its top {@code n} bits: mask them. */
    public static ByteVector shiftRight(ByteVector q, int n) {
        return q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, n).reinterpretAsBytes();
    }

    /** Every byte shifted left by {@code n} (0..7), with the neighbour's high bits in its low {@code n} bits: mask them. */
    public static ByteVector shiftLeft(ByteVector q, int n) {
        return q.reinterpretAsShorts().lanewise(VectorOperators.LSHL, n).reinterpretAsBytes();
    }
}
