package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Q8_0: 32 weights share one scale; signed 8-bit quants.
 * <pre>// block: f16 d, i8 qs[32]  (34 bytes / 32 weights)
 * // w[j] = d * qs[j]</pre>
 */
public final class Q8_0 extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q8_0() {
        super(GgmlType.Q8_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        for (int j = 0; j < 32; j++) {
            dst[dstOffset + j] = Bytes.i8(src, offset + 2 + j) * d;
        }
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 32, o += 34) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector q0 = ByteVector.fromMemorySegment(B, w, o + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector q1 = ByteVector.fromMemorySegment(B, w, o + 18, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < P; p++) {
                acc0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(d).fma(FloatVector.fromArray(F, x, xi + p * L), acc0);
                acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(d).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), acc1);
            }
        }
        return Lanes.sumInOrder(acc0.add(acc1));
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        long o = offsetBytes;
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 32, o += 34) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector q0 = ByteVector.fromMemorySegment(B, w, o + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector q1 = ByteVector.fromMemorySegment(B, w, o + 18, ByteOrder.LITTLE_ENDIAN);
            for (int p = 0; p < P; p++) {
                ((FloatVector) q0.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + p * L);
                ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + 16 + p * L);
            }
        }
    }

}
