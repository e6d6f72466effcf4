package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Lanes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Q4_K: a 256-weight super-block of 8 groups of 32; each group has a 6-bit scale and a 6-bit minimum, scaled by
 * the super-block's d and dmin; 4-bit quants.
 * <pre>// block: f16 d, f16 dmin, u8 scales[12], u8 qs[128]  (144 bytes / 256 weights)
 * // scales (6 bits each, ggml's get_scale_min_k4): j &lt; 4: sc = scales[j] &amp; 63, m = scales[j+4] &amp; 63;
 * //   j &gt;= 4: sc = (scales[j+4] &amp; 0xF) | (scales[j-4] &gt;&gt; 6) &lt;&lt; 4, m = (scales[j+4] &gt;&gt; 4) | (scales[j] &gt;&gt; 6) &lt;&lt; 4
 * // chunk c (64 weights) uses qs[32c .. 32c+32): low nibbles are group 2c, high nibbles group 2c+1:
 * // w = d * sc * q - dmin * m</pre>
 */
public final class Q4_K extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q4_K() {
        super(GgmlType.Q4_K);
    }

    /** The 6-bit scale of group {@code j} (0..7) from the 12 scale bytes at {@code scales}. */
    static int scale(MemorySegment src, long scales, int j) {
        return j < 4 ? Bytes.u8(src, scales + j) & 63
                : (Bytes.u8(src, scales + j + 4) & 0xF) | ((Bytes.u8(src, scales + j - 4) >> 6) << 4);
    }

    /** The 6-bit minimum of group {@code j} (0..7). */
    static int min(MemorySegment src, long scales, int j) {
        return j < 4 ? Bytes.u8(src, scales + j + 4) & 63
                : (Bytes.u8(src, scales + j + 4) >> 4) | ((Bytes.u8(src, scales + j) >> 6) << 4);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset);
        float dmin = Bytes.f16(src, offset + 2);
        long scales = offset + 4;
        int out = dstOffset;
        for (int c = 0; c < 4; c++) {
            long qs = offset + 16 + 32 * c;
            float d1 = d * scale(src, scales, 2 * c);
            float m1 = dmin * min(src, scales, 2 * c);
            float d2 = d * scale(src, scales, 2 * c + 1);
            float m2 = dmin * min(src, scales, 2 * c + 1);
            for (int l = 0; l < 32; l++) {
                dst[out + l] = d1 * (Bytes.u8(src, qs + l) & 0xF) - m1;
                dst[out + 32 + l] = d2 * (Bytes.u8(src, qs + l) >> 4) - m2;
            }
            out += 64;
        }
    }

    /**
     * The 8 six-bit scales of a block as 8 bytes of a long (group j in byte j), from the 12 scale bytes read as
     * {@code lo} (bytes 0..7) and {@code hi} (bytes 8..11): ggml's get_scale_min_k4 on all groups at once.
     */
    public static long packedScales(long lo, int hi) {
        int a = (int) lo;
        return (a & 0x3F3F3F3FL) | (((hi & 0x0F0F0F0F) | ((a >>> 2) & 0x30303030)) & 0xFFFFFFFFL) << 32;
    }

    /** The 8 six-bit minimums of a block, packed like {@link #packedScales}. */
    public static long packedMins(long lo, int hi) {
        int b = (int) (lo >>> 32);
        return (b & 0x3F3F3F3FL) | ((((hi >>> 4) & 0x0F0F0F0F) | ((b >>> 2) & 0x30303030)) & 0xFFFFFFFFL) << 32;
    }

    /** Scale bytes for {@link #dot}: lanes 0..7 take scales[j] (j &lt; 4) or scales[j+4], lanes 8..15 scales[j+4]. */
    static final VectorShuffle<Byte> PICK_LOW = VectorShuffle.fromValues(B, 0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
    /** Lanes 4..7 take scales[j-4], lanes 12..15 scales[j] (the source of the two high bits for j &gt;= 4). */
    static final VectorShuffle<Byte> PICK_HIGH = VectorShuffle.fromValues(B, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
    static final ByteVector LOW_BITS = ByteVector.fromArray(B, new byte[] {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 0, 0, 0, 0}, 0);
    static final ByteVector HIGH_NIBBLE = ByteVector.fromArray(B, new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15, 15, 15, 15}, 0);
    static final ByteVector TOP_BITS = ByteVector.fromArray(B, new byte[] {0, 0, 0, 0, 48, 48, 48, 48, 0, 0, 0, 0, 48, 48, 48, 48}, 0);
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
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 256, o += 144) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 2));
            // the 12 scale bytes (and 4 bytes of qs, masked off) -> 8 scales and 8 minimums, 6 bits each
            ByteVector raw = ByteVector.fromMemorySegment(B, w, o + 4, ByteOrder.LITTLE_ENDIAN);
            ByteVector low = raw.rearrange(PICK_LOW);
            ByteVector six = low.and(LOW_BITS)
                    .or(low.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and(HIGH_NIBBLE))
                    .or(raw.rearrange(PICK_HIGH).reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and(TOP_BITS));
            for (int p = 0; p < P; p++) {
                ((FloatVector) six.convertShape(VectorOperators.B2F, F, p)).intoArray(sm, p * L);
            }
            float nmin = -dmin;
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * sm[2 * c]);
                FloatVector m1 = FloatVector.broadcast(F, nmin * sm[8 + 2 * c]);
                FloatVector d2 = FloatVector.broadcast(F, d * sm[2 * c + 1]);
                FloatVector m2 = FloatVector.broadcast(F, nmin * sm[9 + 2 * c]);
                long qs = o + 16 + 32 * c;
                int xb = xi + 64 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B, w, qs, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, qs + 16, ByteOrder.LITTLE_ENDIAN);
                ByteVector loA = qa.and((byte) 0xF);
                ByteVector hiA = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                ByteVector loB = qb.and((byte) 0xF);
                ByteVector hiB = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
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
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 256, o += 144) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 2));
            long sLo = w.get(Bytes.LONG, o + 4);
            int sHi = w.get(Bytes.INT, o + 12);
            long scales = packedScales(sLo, sHi);
            long mins = packedMins(sLo, sHi);
            for (int c = 0; c < 4; c++) {
                FloatVector d1 = FloatVector.broadcast(F, d * ((scales >>> (16 * c)) & 0xFF));
                FloatVector m1 = FloatVector.broadcast(F, -dmin * ((mins >>> (16 * c)) & 0xFF));
                FloatVector d2 = FloatVector.broadcast(F, d * ((scales >>> (16 * c + 8)) & 0xFF));
                FloatVector m2 = FloatVector.broadcast(F, -dmin * ((mins >>> (16 * c + 8)) & 0xFF));
                long qs = o + 16 + 32 * c;
                int base = at + 64 * c;
                ByteVector qa = ByteVector.fromMemorySegment(B, w, qs, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, qs + 16, ByteOrder.LITTLE_ENDIAN);
                ByteVector loA = qa.and((byte) 0xF);
                ByteVector hiA = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                ByteVector loB = qb.and((byte) 0xF);
                ByteVector hiB = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                for (int p = 0; p < P; p++) {
                    ((FloatVector) loA.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1).intoArray(dst, base + p * L);
                    ((FloatVector) loB.convertShape(VectorOperators.B2F, F, p)).fma(d1, m1).intoArray(dst, base + 16 + p * L);
                    ((FloatVector) hiA.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2).intoArray(dst, base + 32 + p * L);
                    ((FloatVector) hiB.convertShape(VectorOperators.B2F, F, p)).fma(d2, m2).intoArray(dst, base + 48 + p * L);
                }
            }
        }
    }

}
