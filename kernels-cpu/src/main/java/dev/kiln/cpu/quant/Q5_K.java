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
 * Q5_K: Q4_K's layout (8 groups of 32, 6-bit scales and minimums) plus a fifth quant bit per weight in qh.
 * <pre>// block: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]  (176 bytes / 256 weights)
 * // scales as in Q4_K; chunk c (64 weights) uses qs[32c ..): low nibbles (group 2c) take bit 2c of qh[l],
 * // high nibbles (group 2c+1) bit 2c+1: w = d * sc * (q + 16 * bit) - dmin * m</pre>
 */
public final class Q5_K extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q5_K() {
        super(GgmlType.Q5_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float dmin = Bytes.f16(src, offset + 2);
        long scales = offset + 4;
        long qh = offset + 16;
        int out = dstOffset;
        for (int c = 0; c < 4; c++) {
            long qs = offset + 48 + 32 * c;
            float d1 = d * Q4_K.scale(src, scales, 2 * c);
            float m1 = dmin * Q4_K.min(src, scales, 2 * c);
            float d2 = d * Q4_K.scale(src, scales, 2 * c + 1);
            float m2 = dmin * Q4_K.min(src, scales, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                int q = Bytes.u8(src, qs + l);
                int h = Bytes.u8(src, qh + l);
                dst[out + l] = d1 * ((q & 0xF) + (((h >> (2 * c)) & 1) << 4)) - m1;
                dst[out + 32 + l] = d2 * ((q >> 4) + (((h >> (2 * c + 1)) & 1) << 4)) - m2;
            }
            out += 64;
        }
    }

    /** Per thread: the 8 scales then the 8 minimums of the current block, as floats. */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[16]);

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        float[] sm = SCALES.get(); // [16]: scale of group 0..7, minimum of group 0..7
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 256, o += 176) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 2));
            // the 12 scale bytes (and 4 bytes of qh, masked off) -> 8 scales and 8 minimums, as in Q4_K
            ByteVector raw = ByteVector.fromMemorySegment(B, w, o + 4, ByteOrder.LITTLE_ENDIAN);
            ByteVector low = raw.rearrange(Q4_K.PICK_LOW);
            ByteVector six = low.and(Q4_K.LOW_BITS)
                    .or(low.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and(Q4_K.HIGH_NIBBLE))
                    .or(raw.rearrange(Q4_K.PICK_HIGH).reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and(Q4_K.TOP_BITS));
            for (int p = 0; p < P; p++) {
                ((FloatVector) six.convertShape(VectorOperators.B2F, F, p)).intoArray(sm, p * L);
            }
            float nmin = -dmin;
            ByteVector hA = ByteVector.fromMemorySegment(B, w, o + 16, ByteOrder.LITTLE_ENDIAN);
            ByteVector hB = ByteVector.fromMemorySegment(B, w, o + 32, ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * sm[2 * c]);
                FloatVector m1 = FloatVector.broadcast(F, nmin * sm[8 + 2 * c]);
                FloatVector d2 = FloatVector.broadcast(F, d * sm[2 * c + 1]);
                FloatVector m2 = FloatVector.broadcast(F, nmin * sm[9 + 2 * c]);
                long qs = o + 48 + 32 * c;
                int xb = xi + 64 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B, w, qs, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, qs + 16, ByteOrder.LITTLE_ENDIAN);
                byte bitLo = (byte) (1 << (2 * c));
                byte bitHi = (byte) (2 << (2 * c));
                ByteVector loA = qa.and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hA.and(bitLo).compare(VectorOperators.NE, 0));
                ByteVector hiA = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hA.and(bitHi).compare(VectorOperators.NE, 0));
                ByteVector loB = qb.and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hB.and(bitLo).compare(VectorOperators.NE, 0));
                ByteVector hiB = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hB.and(bitHi).compare(VectorOperators.NE, 0));
                for (int p = 0; p < P; p++) {
                    acc0 = ((FloatVector) loA.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, xb + p * L), acc0);
                    acc1 = ((FloatVector) loB.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1).fma(FloatVector.fromArray(F, x, xb + 16 + p * L), acc1);
                    acc2 = ((FloatVector) hiA.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, xb + 32 + p * L), acc2);
                    acc3 = ((FloatVector) hiB.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2).fma(FloatVector.fromArray(F, x, xb + 48 + p * L), acc3);
                }
            }
        }
        return Lanes.sumInOrder(acc0.add(acc1).add(acc2.add(acc3)));
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        long o = offsetBytes;
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 256, o += 176) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 2));
            long sLo = w.get(Bytes.LONG, o + 4);
            int sHi = w.get(Bytes.INT, o + 12);
            long scales = Q4_K.packedScales(sLo, sHi);
            long mins = Q4_K.packedMins(sLo, sHi);
            ByteVector hA = ByteVector.fromMemorySegment(B, w, o + 16, ByteOrder.LITTLE_ENDIAN);
            ByteVector hB = ByteVector.fromMemorySegment(B, w, o + 32, ByteOrder.LITTLE_ENDIAN);
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * ((scales >>> (16 * c)) & 0xFF));
                FloatVector m1 = FloatVector.broadcast(F, -dmin * ((mins >>> (16 * c)) & 0xFF));
                FloatVector d2 = FloatVector.broadcast(F, d * ((scales >>> (16 * c + 8)) & 0xFF));
                FloatVector m2 = FloatVector.broadcast(F, -dmin * ((mins >>> (16 * c + 8)) & 0xFF));
                long qs = o + 48 + 32 * c;
                int base = at + 64 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B, w, qs, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, qs + 16, ByteOrder.LITTLE_ENDIAN);
                byte bitLo = (byte) (1 << (2 * c));
                byte bitHi = (byte) (2 << (2 * c));
                ByteVector loA = qa.and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hA.and(bitLo).compare(VectorOperators.NE, 0));
                ByteVector hiA = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hA.and(bitHi).compare(VectorOperators.NE, 0));
                ByteVector loB = qb.and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hB.and(bitLo).compare(VectorOperators.NE, 0));
                ByteVector hiB = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).lanewise(VectorOperators.OR, (byte) 16, hB.and(bitHi).compare(VectorOperators.NE, 0));
                for (int p = 0; p < P; p++) {
                    ((FloatVector) loA.convertShape(VectorOperators.B2F, F, p)).mul(d1).add(m1).intoArray(dst, base + p * L);
                    ((FloatVector) loB.convertShape(VectorOperators.B2F, F, p)).mul(d1).add(m1).intoArray(dst, base + 16 + p * L);
                    ((FloatVector) hiA.convertShape(VectorOperators.B2F, F, p)).mul(d2).add(m2).intoArray(dst, base + 32 + p * L);
                    ((FloatVector) hiB.convertShape(VectorOperators.B2F, F, p)).mul(d2).add(m2).intoArray(dst, base + 48 + p * L);
                }
            }
        }
    }

}
