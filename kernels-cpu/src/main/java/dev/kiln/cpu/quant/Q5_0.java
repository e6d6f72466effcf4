package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Q5_0: 32 weights share one scale; 5-bit quants (low nibble in qs, fifth bit in qh) with an offset of 16.
 * <pre>// block: f16 d, u32 qh, u8 qs[16]  (22 bytes / 32 weights)
 * // w[j]    = d * (((qs[j] &amp; 0xF) | bit(qh, j) &lt;&lt; 4) - 16)
 * // w[j+16] = d * (((qs[j] &gt;&gt; 4) | bit(qh, j+16) &lt;&lt; 4) - 16),  j &lt; 16</pre>
 */
public final class Q5_0 extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q5_0() {
        super(GgmlType.Q5_0);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        int qh = Bytes.i32(src, offset + 2);
        for (int j = 0; j < 16; j++) {
            int q = Bytes.u8(src, offset + 6 + j);
            int h0 = ((qh >>> j) & 1) << 4;
            int h1 = ((qh >>> (j + 16)) & 1) << 4;
            dst[dstOffset + j] = (((q & 0xF) | h0) - 16) * d;
            dst[dstOffset + j + 16] = (((q >> 4) | h1) - 16) * d;
        }
    }

    /** Lane l of the low (high) half takes byte l / 8 (2 + l / 8) of qh; BIT selects bit l % 8 of it. */
    private static final VectorShuffle<Byte> LOW_BYTES = VectorShuffle.fromValues(B, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
    private static final VectorShuffle<Byte> HIGH_BYTES = VectorShuffle.fromValues(B, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    private static final ByteVector BIT = ByteVector.fromArray(B,
            new byte[] {1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128}, 0);

    /** 16 in the lanes whose bit of qh (broadcast in every int lane of {@code qh}) is set, else 0. */
    private static ByteVector fifthBits(ByteVector qh, VectorShuffle<Byte> bytes) {
        return ByteVector.zero(B).blend((byte) 16, qh.rearrange(bytes).and(BIT).compare(VectorOperators.NE, 0));
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 32, o += 22) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector qh = IntVector.broadcast(IntVector.SPECIES_128, w.get(Bytes.INT, o + 2)).reinterpretAsBytes();
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 6, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0xF).or(fifthBits(qh, LOW_BYTES)).sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(fifthBits(qh, HIGH_BYTES)).sub((byte) 16);
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
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 32, o += 22) {
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(w.get(Bytes.SHORT, o)));
            ByteVector qh = IntVector.broadcast(IntVector.SPECIES_128, w.get(Bytes.INT, o + 2)).reinterpretAsBytes();
            ByteVector q = ByteVector.fromMemorySegment(B, w, o + 6, ByteOrder.LITTLE_ENDIAN);
            ByteVector lo = q.and((byte) 0xF).or(fifthBits(qh, LOW_BYTES)).sub((byte) 16);
            ByteVector hi = q.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(fifthBits(qh, HIGH_BYTES)).sub((byte) 16);
            for (int p = 0; p < P; p++) {
                ((FloatVector) lo.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + p * L);
                ((FloatVector) hi.convertShape(VectorOperators.B2F, F, p)).mul(d).intoArray(dst, at + 16 + p * L);
            }
        }
    }

}
