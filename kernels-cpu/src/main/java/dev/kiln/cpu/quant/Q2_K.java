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
 * Q2_K: a 256-weight super-block of 16 groups of 16; each group has a 4-bit scale and a 4-bit minimum, scaled by
 * the super-block's d and dmin; 2-bit quants.
 * <pre>// block: u8 scales[16], u8 qs[64], f16 d, f16 dmin  (84 bytes / 256 weights)
 * // group g: scale = d * (scales[g] &amp; 0xF), min = dmin * (scales[g] &gt;&gt; 4)
 * // half h (128 weights) uses qs[32h .. 32h+32); its 4 bit-pairs (shift 0,2,4,6) give 4 x 32 weights,
 * // each 32 = two groups of 16: w = scale * ((qs[32h + l] &gt;&gt; shift) &amp; 3) - min</pre>
 */
public final class Q2_K extends BlockKernel {
    /** This copy's float species (a constant for C2, see Specialiser); L lanes, P = 16 / L parts per 16 bytes. */
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Byte> B = ByteVector.SPECIES_128;
    private static final int L = F.length();
    private static final int P = 16 / L;

    public Q2_K() {
        super(GgmlType.Q2_K);
    }

    @Override
    void dequantizeBlock(MemorySegment src, long offset, float[] dst, int dstOffset) {
        float d = Bytes.f16(src, offset + 80);
        float dmin = Bytes.f16(src, offset + 82);
        int out = dstOffset;
        int group = 0;
        for (int half = 0; half < 2; half++) {
            long qs = offset + 16 + 32 * half;
            for (int shift = 0; shift < 8; shift += 2) {
                for (int sub = 0; sub < 2; sub++) {
                    int sc = Bytes.u8(src, offset + group++);
                    float dl = d * (sc & 0xF);
                    float ml = dmin * (sc >> 4);
                    for (int l = 0; l < 16; l++) {
                        dst[out++] = dl * ((Bytes.u8(src, qs + 16 * sub + l) >> shift) & 3) - ml;
                    }
                }
            }
        }
    }

    @Override
    public float dot(MemorySegment w, long offsetBytes, float[] x, int xOffset, int n) {
        checkRange(w, offsetBytes, x.length, xOffset, n);
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = FloatVector.zero(F);
        long o = offsetBytes;
        for (int xi = xOffset, end = xOffset + n; xi < end; xi += 256, o += 84) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 80));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 82));
            for (int half = 0; half < 2; half++) {
                long scales = w.get(Bytes.LONG, o + 8 * half); // u8 scales[8] of this half
                ByteVector qa = ByteVector.fromMemorySegment(B, w, o + 16 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, o + 32 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 4; k++) {
                    ByteVector va = qa.and((byte) 3);
                    ByteVector vb = qb.and((byte) 3);
                    qa = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    qb = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    int sa = (int) (scales >>> (16 * k)) & 0xFF;
                    int sb = (int) (scales >>> (16 * k + 8)) & 0xFF;
                    FloatVector da = FloatVector.broadcast(F, d * (sa & 0xF));
                    FloatVector ma = FloatVector.broadcast(F, -dmin * (sa >> 4));
                    FloatVector db = FloatVector.broadcast(F, d * (sb & 0xF));
                    FloatVector mb = FloatVector.broadcast(F, -dmin * (sb >> 4));
                    int xb = xi + 128 * half + 32 * k;
                    for (int p = 0; p < P; p++) {
                        acc0 = ((FloatVector) va.convertShape(VectorOperators.B2F, F, p)).fma(da, ma).fma(FloatVector.fromArray(F, x, xb + p * L), acc0);
                        acc1 = ((FloatVector) vb.convertShape(VectorOperators.B2F, F, p)).fma(db, mb).fma(FloatVector.fromArray(F, x, xb + 16 + p * L), acc1);
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
        for (int at = dstOffset, end = dstOffset + n; at < end; at += 256, o += 84) {
            float d = Float.float16ToFloat(w.get(Bytes.SHORT, o + 80));
            float dmin = Float.float16ToFloat(w.get(Bytes.SHORT, o + 82));
            for (int half = 0; half < 2; half++) {
                long scales = w.get(Bytes.LONG, o + 8 * half); // u8 scales[8] of this half
                ByteVector qa = ByteVector.fromMemorySegment(B, w, o + 16 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                ByteVector qb = ByteVector.fromMemorySegment(B, w, o + 32 + 32 * half, ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 4; k++) {
                    ByteVector va = qa.and((byte) 3);
                    ByteVector vb = qb.and((byte) 3);
                    qa = qa.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    qb = qb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes();
                    int sa = (int) (scales >>> (16 * k)) & 0xFF;
                    int sb = (int) (scales >>> (16 * k + 8)) & 0xFF;
                    FloatVector da = FloatVector.broadcast(F, d * (sa & 0xF));
                    FloatVector ma = FloatVector.broadcast(F, -dmin * (sa >> 4));
                    FloatVector db = FloatVector.broadcast(F, d * (sb & 0xF));
                    FloatVector mb = FloatVector.broadcast(F, -dmin * (sb >> 4));
                    int base = at + 128 * half + 32 * k;
                    for (int p = 0; p < P; p++) {
                        ((FloatVector) va.convertShape(VectorOperators.B2F, F, p)).mul(da).add(ma).intoArray(dst, base + p * L);
                        ((FloatVector) vb.convertShape(VectorOperators.B2F, F, p)).mul(db).add(mb).intoArray(dst, base + 16 + p * L);
                    }
                }
            }
        }
    }

}
