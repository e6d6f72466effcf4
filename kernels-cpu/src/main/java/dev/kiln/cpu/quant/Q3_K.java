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
 * Q3_K: a 256-weight super-block of 16 groups of 16 with 6-bit signed group scales (offset 32) and 3-bit quants:
 * two low bits in qs, the third in hmask (set = no offset, clear = subtract 4).
 * <pre>// block: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d  (110 bytes / 256 weights)
 * // scales: 16 x 6 bits; low 4 bits of scale i in scales[i % 8] (nibble i / 8), high 2 bits in scales[8 + i % 4]
 * //         at bit 2 * (i / 4)
 * // half h uses qs[32h ..); bit-pair k (shift 2k) and hmask bit m = 4h + k give 32 weights (two groups of 16):
 * // w = d * (scale - 32) * (((qs[32h + l] &gt;&gt; 2k) &amp; 3) - (hmask[l] bit m ? 0 : 4))</pre>
 */
public final class Q3_K extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q3_K() {
        super(GgmlType.Q3_K);
    }

    /** The 6-bit scale of group {@code i} (0..15), still with its offset of 32. */
    static int scale(MemorySegment src, long scales, int i) {
        int low = (Bytes.u8(src, scales + (i & 7)) >> (4 * (i >> 3))) & 0xF;
        int high = (Bytes.u8(src, scales + 8 + (i & 3)) >> (2 * (i >> 2))) & 3;
        return low | (high << 4);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        long hmask = offset;
        long scales = offset + 96;
        float d = Bytes.f16(src, offset + 108);
        int out = dstOffset;
        int group = 0;
        int m = 1;
        for (int half = 0; half < 2; half++) {
            long qs = offset + 32 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    float dl = d * (scale(src, scales, group++) - 32);
                    for (int l = 16 * sub; l < 16 * sub + 16; l++) {
                        int q = (Bytes.u8(src, qs + l) >> shift) & 3;
                        int h = (Bytes.u8(src, hmask + l) & m) != 0 ? 0 : 4;
                        dst[out++] = dl * (q - h);
                    }
                }
                m <<= 1;
            }
        }
    }

    /**
     * The 16 six-bit scales (offset 32 still included) as 16 bytes of two longs, from the 12 scale bytes read as
     * {@code lo} (bytes 0..7) and {@code hi} (bytes 8..11); {@code upper} selects scales 8..15 instead of 0..7.
     */
    static long packedScales(long lo, int hi, boolean upper) {
        int a0 = (int) lo;
        int a1 = (int) (lo >>> 32);
        int shift = upper ? 4 : 0;
        int s0 = ((a0 >>> shift) & 0x0F0F0F0F) | (((hi >>> shift) & 0x03030303) << 4);
        int s1 = ((a1 >>> shift) & 0x0F0F0F0F) | (((hi >>> (shift + 2)) & 0x03030303) << 4);
        return (s0 & 0xFFFFFFFFL) | ((long) s1 << 32);
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 256, o += 110) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 108));
            long sLo = w.get(Bytes.LONG, o + 96);
            int sHi = w.get(Bytes.INT, o + 104);
            ByteVector hA = ByteVector.fromMemorySegment(B, w, o, ByteOrder.LITTLE_ENDIAN);
            ByteVector hB = ByteVector.fromMemorySegment(B, w, o + 16, ByteOrder.LITTLE_ENDIAN);
            for (int half = 0; half < 2; half++) {
                long scales = packedScales(sLo, sHi, half == 1); // groups 8 * half .. 8 * half + 7
                ByteVector qa = ByteVector.fromMemorySegment(B, w, o + 32 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, o + 48 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 4; k++) {
                    byte bit = (byte) (1 << (4 * half + k));
                    // q - 4, plus 4 back where the hmask bit is set
                    ByteVector va = qa.and((byte) 3).sub((byte) 4)
                            .lanewise(VectorOperators.ADD, (byte) 4, hA.and(bit).compare(VectorOperators.NE, 0));
                    ByteVector vb = qb.and((byte) 3).sub((byte) 4)
                            .lanewise(VectorOperators.ADD, (byte) 4, hB.and(bit).compare(VectorOperators.NE, 0));
                    qa = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    qb = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    FloatVector sa = FloatVector.broadcast(F, d * (((scales >>> (16 * k)) & 0xFF) - 32));
                    FloatVector sb = FloatVector.broadcast(F, d * (((scales >>> (16 * k + 8)) & 0xFF) - 32));
                    int xb = xi + 128 * half + 32 * k;
                    for (int p = 0; p < P; p++) {
                        acc0 = ((FloatVector) va.convertShape(VectorOperators.B2F, F, p)).mul(sa).fma(FloatVector.fromArray(F, x, xb + p * L), acc0);
                        acc1 = ((FloatVector) vb.convertShape(VectorOperators.B2F, F, p)).mul(sb).fma(FloatVector.fromArray(F, x, xb + 16 + p * L), acc1);
                    }
                }
            }
        }
        return Lanes.sumInOrder(acc0.add(acc1));
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        long o = offsetBytes;
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 256, o += 110) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 108));
            long sLo = w.get(Bytes.LONG, o + 96);
            int sHi = w.get(Bytes.INT, o + 104);
            ByteVector hA = ByteVector.fromMemorySegment(B, w, o, ByteOrder.LITTLE_ENDIAN);
            ByteVector hB = ByteVector.fromMemorySegment(B, w, o + 16, ByteOrder.LITTLE_ENDIAN);
            for (int half = 0; half < 2; half++) {
                long scales = packedScales(sLo, sHi, half == 1); // groups 8 * half .. 8 * half + 7
                ByteVector qa = ByteVector.fromMemorySegment(B, w, o + 32 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, o + 48 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 4; k++) {
                    byte bit = (byte) (1 << (4 * half + k));
                    // q - 4, plus 4 back where the hmask bit is set
                    ByteVector va = qa.and((byte) 3).sub((byte) 4)
                            .lanewise(VectorOperators.ADD, (byte) 4, hA.and(bit).compare(VectorOperators.NE, 0));
                    ByteVector vb = qb.and((byte) 3).sub((byte) 4)
                            .lanewise(VectorOperators.ADD, (byte) 4, hB.and(bit).compare(VectorOperators.NE, 0));
                    qa = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    qb = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    FloatVector sa = FloatVector.broadcast(F, d * (((scales >>> (16 * k)) & 0xFF) - 32));
                    FloatVector sb = FloatVector.broadcast(F, d * (((scales >>> (16 * k + 8)) & 0xFF) - 32));
                    int base = at + 128 * half + 32 * k;
                    for (int p = 0; p < P; p++) {
                        ((FloatVector) va.convertShape(VectorOperators.B2F, F, p)).mul(sa).intoArray(dst, base + p * L);
                        ((FloatVector) vb.convertShape(VectorOperators.B2F, F, p)).mul(sb).intoArray(dst, base + 16 + p * L);
                    }
                }
            }
        }
    }

}
