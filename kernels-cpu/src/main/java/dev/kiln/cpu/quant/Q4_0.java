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
 * Q4_0: 32 weights share one scale; 4-bit unsigned quants with an implicit offset of 8.
 * <pre>// block: f16 d, u8 qs[16]  (18 bytes / 32 weights)
 * // w[j] = d * ((qs[j] &amp; 0xF) - 8),  w[j+16] = d * ((qs[j] &gt;&gt; 4) - 8),  j &lt; 16</pre>
 */
public final class Q4_0 extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q4_0() {
        super(GgmlType.Q4_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 2 + j);
            dst[dstOffset + j] = ((q & 0xF) - 8) * d;
            dst[dstOffset + j + 16] = ((q >> 4) - 8) * d;
        }
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 32, o += 18) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0xF).sub((byte) 8);
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < P; p++) {
                acc0 = ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).fma(FloatVector.fromArray(F, x, xi + p * L), acc0);
                acc1 = ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).fma(FloatVector.fromArray(F, x, xi + 16 + p * L), acc1);
            }
        }
        return Lanes.sumInOrder(acc0.add(acc1));
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        long o = offsetBytes;
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 32, o += 18) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 2, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0xF).sub((byte) 8);
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
            for (int p = 0; p < P; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + p * L);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + 16 + p * L);
            }
        }
    }

}
