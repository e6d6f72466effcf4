package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * F16: IEEE half-precision weights, widened exactly to float32.
 * <pre>// element: f16 (2 bytes / weight)</pre>
 */
public final class F16 extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser), and the short / int species of as many lanes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();

    public F16() {
        super(GgmlType.F16);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        dst[dstOffset] = Bytes.f16(src, offset);
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        int i = 0;
        long o = offsetBytes;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L, o += 2L * L * 2) {
            acc0 = widen(ShortVector.fromMemorySegment(S, w, o, ByteOrder.LITTLE_ENDIAN)).fma(FloatVector.fromArray(F, x, xOffset + i), acc0);
            acc1 = widen(ShortVector.fromMemorySegment(S, w, o + (long) L * 2, ByteOrder.LITTLE_ENDIAN)).fma(FloatVector.fromArray(F, x, xOffset + i + L), acc1);
        }
        float sum = Lanes.sumInOrder(acc0.add(acc1));
        for (; i < n; i++, o += 2) {
            sum += Float.float16ToFloat(w.get(Bytes.SHORT, o)) * x[xOffset + i];
        }
        return sum;
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        int i = 0;
        long o = offsetBytes;
        for (int bound = n - 2 * L; i <= bound; i += 2 * L, o += 2L * L * 2) {
            widen(ShortVector.fromMemorySegment(S, w, o, ByteOrder.LITTLE_ENDIAN)).intoArray(dst, dstOffset + i);
            widen(ShortVector.fromMemorySegment(S, w, o + (long) L * 2, ByteOrder.LITTLE_ENDIAN)).intoArray(dst, dstOffset + i + L);
        }
        for (; i < n; i++, o += 2) {
            dst[dstOffset + i] = Float.float16ToFloat(w.get(Bytes.SHORT, o));
        }
    }

    /**
     * Half to float without a conversion instruction in the Vector API: shift the exponent and mantissa into float
     * position and multiply by 2^112 (rebias 15 -> 127; exact, and it normalises subnormals), then restore infinity /
     * NaN exponents and the sign.
     */
    private static FloatVector widen(ShortVector h) {
        IntVector bits = (IntVector) h.convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = bits.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = shifted.or(0x7F800000);
        IntVector value = finite.blend(special, magnitude.compare(VectorOperators.GE, 0x7C00));
        return value.or(bits.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
