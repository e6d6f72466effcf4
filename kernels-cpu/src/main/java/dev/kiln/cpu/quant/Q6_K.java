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
 * Q6_K: a 256-weight super-block of 16 groups of 16 with signed 8-bit group scales; 6-bit quants (offset 32):
 * low 4 bits in ql, high 2 bits in qh.
 * <pre>// block: u8 ql[128], u8 qh[64], i8 scales[16], f16 d  (210 bytes / 256 weights)
 * // half h (128 weights) uses ql[64h ..), qh[32h ..), scales[8h ..); for l &lt; 32:
 * //   w[l]    = d * sc[l/16]     * ((ql[l]    &amp; 0xF | (qh[l] &gt;&gt; 0 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+32] = d * sc[l/16 + 2] * ((ql[l+32] &amp; 0xF | (qh[l] &gt;&gt; 2 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+64] = d * sc[l/16 + 4] * ((ql[l]    &gt;&gt; 4  | (qh[l] &gt;&gt; 4 &amp; 3) &lt;&lt; 4) - 32)
 * //   w[l+96] = d * sc[l/16 + 6] * ((ql[l+32] &gt;&gt; 4  | (qh[l] &gt;&gt; 6 &amp; 3) &lt;&lt; 4) - 32)</pre>
 */
public final class Q6_K extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q6_K() {
        super(GgmlType.Q6_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset + 208);
        for (int half = 0; half < 2; half++) {
            long ql = offset + 64 * half;
            long qh = offset + 128 + 32 * half;
            long sc = offset + 192 + 8 * half;
            int out = dstOffset + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lo = Bytes.u8(src, ql + l);
                int hi = Bytes.u8(src, ql + l + 32);
                int h = Bytes.u8(src, qh + l);
                int q1 = ((lo & 0xF) | ((h & 3) << 4)) - 32;
                int q2 = ((hi & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                int q3 = ((lo >> 4) | (((h >> 4) & 3) << 4)) - 32;
                int q4 = ((hi >> 4) | (((h >> 6) & 3) << 4)) - 32;
                dst[out + l] = d * Bytes.i8(src, sc + is) * q1;
                dst[out + l + 32] = d * Bytes.i8(src, sc + is + 2) * q2;
                dst[out + l + 64] = d * Bytes.i8(src, sc + is + 4) * q3;
                dst[out + l + 96] = d * Bytes.i8(src, sc + is + 6) * q4;
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        FloatVector acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 256, o += 210) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 208));
            for (int half = 0; half < 2; half++) {
                long ql = o + 64 * half;
                long qh = o + 128 + 32 * half;
                long sc = w.get(Bytes.LONG, o + 192 + 8 * half); // i8 scales[8] of this half
                for (int j = 0; j < 32; j += 16) {
                    int is = j / 16;
                    int xb = xi + 128 * half + j;
                    ByteVector a = ByteVector.fromMemorySegment(B, w, ql + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector b = ByteVector.fromMemorySegment(B, w, ql + 32 + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, qh + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector q1 = a.and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = b.and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(h.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q4 = b.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    FloatVector s1 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * is));
                    FloatVector s2 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 2)));
                    FloatVector s3 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 4)));
                    FloatVector s4 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 6)));
                    for (int p = 0; p < P; p++) {
                        acc0 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1).fma(FloatVector.fromArray(F, x, xb + p * L), acc0);
                        acc1 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2).fma(FloatVector.fromArray(F, x, xb + 32 + p * L), acc1);
                        acc2 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3).fma(FloatVector.fromArray(F, x, xb + 64 + p * L), acc2);
                        acc3 = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(s4).fma(FloatVector.fromArray(F, x, xb + 96 + p * L), acc3);
                    }
                }
            }
        }
        return Lanes.sumInOrder(acc0.add(acc1).add(acc2.add(acc3)));
    }

    @Override
    public void decode(MemorySegment w, long offsetBytes, float[] dst, int dstOffset, int n) {
        checkRange(w, offsetBytes, dst.length, dstOffset, n);
        long o = offsetBytes;
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 256, o += 210) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 208));
            for (int half = 0; half < 2; half++) {
                long ql = o + 64 * half;
                long qh = o + 128 + 32 * half;
                long sc = w.get(Bytes.LONG, o + 192 + 8 * half); // i8 scales[8] of this half
                for (int j = 0; j < 32; j += 16) {
                    int is = j / 16;
                    int base = at + 128 * half + j;
                    ByteVector a = ByteVector.fromMemorySegment(B, w, ql + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector b = ByteVector.fromMemorySegment(B, w, ql + 32 + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector h = ByteVector.fromMemorySegment(B, w, qh + j, ByteOrder.LITTLE_ENDIAN);
                    ByteVector q1 = a.and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector q2 = b.and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    ByteVector q3 = a.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(h.and((byte) 0x30)).sub((byte) 32);
                    ByteVector q4 = b.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).or(h.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    FloatVector s1 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * is));
                    FloatVector s2 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 2)));
                    FloatVector s3 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 4)));
                    FloatVector s4 = FloatVector.broadcast(F, d * (byte) (sc >>> 8 * (is + 6)));
                    for (int p = 0; p < P; p++) {
                        ((FloatVector) q1.convertShape(VectorOperators.B2F, F, p)).mul(s1).intoArray(dst, base + p * L);
                        ((FloatVector) q2.convertShape(VectorOperators.B2F, F, p)).mul(s2).intoArray(dst, base + 32 + p * L);
                        ((FloatVector) q3.convertShape(VectorOperators.B2F, F, p)).mul(s3).intoArray(dst, base + 64 + p * L);
                        ((FloatVector) q4.convertShape(VectorOperators.B2F, F, p)).mul(s4).intoArray(dst, base + 96 + p * L);
                    }
                }
            }
        }
    }

}
