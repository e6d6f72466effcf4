package dev.kiln.cpu.packed;

import dev.kiln.cpu.quant.Q4_K;
import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Q4_K rows interleaved by R = short lanes per vector (32 at 512 bits). GGUF block: f16 d, f16 dmin, 12 bytes of
 * 6-bit scales and minimums, qs[128] (chunk c of 64 weights: low nibbles of qs[32c..32c+32) are group 2c, high
 * nibbles group 2c+1); w = d * sc * q - dmin * m. A group-block (R rows x 256 weights):
 * <pre>
 * qs    [64 words][R]        short: row r's qs bytes 2w', 2w'+1 of chunk c (word 16c + w'), as stored:
 *                            bits 0-3 index 64c+2w', 4-7 index 64c+32+2w', 8-11 index 64c+2w'+1, 12-15 index 64c+33+2w'
 * sc    [2][R][4]            byte k of row r in quad j: 6-bit scale of group 4j+k
 * m     [2][R][4]            likewise the 6-bit minimums
 * d     [R] f32, dmin [R] f32
 * </pre>
 * Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} q_i x_i - dmin·dx · Σ_g m_g Σ_{i∈g} x_i} with 8-bit
 * activations x (scale dx): products are at most 15 · 127, so 16 of them (8 words) add up in a 16-bit lane.
 */
public final class Q4_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int QS = 128 * R;
    private static final int SC = QS;
    private static final int MIN = SC + 8 * R;
    private static final int D = MIN + 8 * R;
    private static final int DMIN = D + 4 * R;
    private static final int BLOCK_BYTES = DMIN + 4 * R;

    public Q4_KPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_K;
    }

    @Override
    public int blockLength() {
        return 256;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 152 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 256;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long dstOffset) {
        int blocks = cols / 256;
        int bb = blockBytes(groupRows);
        int qs = 0, sc = 128 * groupRows, min = sc + 8 * groupRows, d = min + 8 * groupRows, dmin = d + 4 * groupRows;
        for (int r = 0; r < rows; r++) {
            long row = (firstRow + r) * rowBytes;
            for (int b = 0; b < blocks; b++) {
                long in = row + 144L * b;
                long out = dstOffset + (long) b * bb;
                dst.set(Bytes.FLOAT, out + d + 4L * r, Bytes.f16(src, in));
                dst.set(Bytes.FLOAT, out + dmin + 4L * r, Bytes.f16(src, in + 2));
                long packedScales = Q4_K.packedScales(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
                long packedMins = Q4_K.packedMins(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
                for (int j = 0; j < 8; j++) {
                    long at = (long) (j / 4) * 4 * groupRows + 4L * r + j % 4;
                    dst.set(ValueLayout.JAVA_BYTE, out + sc + at, (byte) (packedScales >>> (8 * j)));
                    dst.set(ValueLayout.JAVA_BYTE, out + min + at, (byte) (packedMins >>> (8 * j)));
                }
                for (int w = 0; w < 64; w++) {
                    dst.set(Bytes.SHORT, out + qs + 2L * (w * groupRows + r), src.get(Bytes.SHORT, in + 16 + 2L * w));
                }
            }
        }
    }

    @Override
    public void multiply(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        MemorySegment m = w.data();
        int cols = w.cols();
        short[] xq = x.q;
        int[] sums = x.sums;
        float[] dx = x.d;
        FloatVector tot0 = FloatVector.zero(F);
        FloatVector tot1 = FloatVector.zero(F);
        long o = w.groupOffset(g);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += BLOCK_BYTES) {
            int xb = t * cols + 256 * b;
            IntVector sc0a = IntVector.fromMemorySegment(I, m, o + SC, LE);
            IntVector sc1a = IntVector.fromMemorySegment(I, m, o + SC + 2 * R, LE);
            IntVector sc0b = IntVector.fromMemorySegment(I, m, o + SC + 4 * R, LE);
            IntVector sc1b = IntVector.fromMemorySegment(I, m, o + SC + 6 * R, LE);
            IntVector is0 = IntVector.zero(I);
            IntVector is1 = IntVector.zero(I);
            for (int c = 0; c < 4; c++) {
                IntVector lo0 = IntVector.zero(I), lo1 = IntVector.zero(I), hi0 = IntVector.zero(I), hi1 = IntVector.zero(I);
                for (int h = 0; h < 2; h++) {
                    ShortVector accLo = ShortVector.zero(S);
                    ShortVector accHi = ShortVector.zero(S);
                    long q = o + (16L * c + 8 * h) * 2 * R;
                    int xi = xb + 64 * c + 16 * h;
                    for (int k = 0; k < 8; k++, q += 2 * R, xi += 2) {
                        ShortVector v = ShortVector.fromMemorySegment(S, m, q, LE);
                        accLo = accLo.add(v.and((short) 0xF).mul(xq[xi]))
                                .add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(xq[xi + 1]));
                        accHi = accHi.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(xq[xi + 32]))
                                .add(v.lanewise(VectorOperators.LSHR, 12).mul(xq[xi + 33]));
                    }
                    lo0 = lo0.add(accLo.convertShape(VectorOperators.S2I, I, 0));
                    lo1 = lo1.add(accLo.convertShape(VectorOperators.S2I, I, 1));
                    hi0 = hi0.add(accHi.convertShape(VectorOperators.S2I, I, 0));
                    hi1 = hi1.add(accHi.convertShape(VectorOperators.S2I, I, 1));
                }
                // groups 2c and 2c+1: byte (2c) % 4 and (2c+1) % 4 of quad c / 2
                IntVector q0 = c < 2 ? sc0a : sc0b;
                IntVector q1 = c < 2 ? sc1a : sc1b;
                int shift = 16 * (c & 1);
                is0 = is0.add(lo0.mul(q0.lanewise(VectorOperators.LSHR, shift).and(0xFF)))
                        .add(hi0.mul(q0.lanewise(VectorOperators.LSHR, shift + 8).and(0xFF)));
                is1 = is1.add(lo1.mul(q1.lanewise(VectorOperators.LSHR, shift).and(0xFF)))
                        .add(hi1.mul(q1.lanewise(VectorOperators.LSHR, shift + 8).and(0xFF)));
            }
            IntVector im0 = IntVector.zero(I);
            IntVector im1 = IntVector.zero(I);
            int sb = xb / Q8Activations.SUM_LENGTH;
            for (int j = 0; j < 2; j++) {
                IntVector mn0 = IntVector.fromMemorySegment(I, m, o + MIN + 4L * R * j, LE);
                IntVector mn1 = IntVector.fromMemorySegment(I, m, o + MIN + 4L * R * j + 2 * R, LE);
                for (int k = 0; k < 4; k++) {
                    int gs = 2 * (4 * j + k);
                    int bsum = sums[sb + gs] + sums[sb + gs + 1];
                    im0 = im0.add(mn0.lanewise(VectorOperators.LSHR, 8 * k).and(0xFF).mul(bsum));
                    im1 = im1.add(mn1.lanewise(VectorOperators.LSHR, 8 * k).and(0xFF).mul(bsum));
                }
            }
            float scale = dx[xb / 256];
            FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + D, LE).mul(scale);
            FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + D + 2 * R, LE).mul(scale);
            FloatVector m0 = FloatVector.fromMemorySegment(F, m, o + DMIN, LE).mul(-scale);
            FloatVector m1 = FloatVector.fromMemorySegment(F, m, o + DMIN + 2 * R, LE).mul(-scale);
            tot0 = ((FloatVector) is0.convert(VectorOperators.I2F, 0)).fma(d0, tot0);
            tot1 = ((FloatVector) is1.convert(VectorOperators.I2F, 0)).fma(d1, tot1);
            tot0 = ((FloatVector) im0.convert(VectorOperators.I2F, 0)).fma(m0, tot0);
            tot1 = ((FloatVector) im1.convert(VectorOperators.I2F, 0)).fma(m1, tot1);
        }
        tot0.intoArray(out, outOffset);
        tot1.intoArray(out, outOffset + HALF);
    }

    @Override
    public float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t) {
        float tot = 0f;
        for (int b = 0; b < cols / 256; b++) {
            long in = rowOffset + 144L * b;
            int xb = t * cols + 256 * b;
            long scales = Q4_K.packedScales(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
            long mins = Q4_K.packedMins(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
            int is = 0;
            int im = 0;
            for (int grp = 0; grp < 8; grp++) {
                int chunk = grp / 2;
                int shift = 4 * (grp % 2);
                int s = 0;
                for (int l = 0; l < 32; l++) {
                    int q = (Bytes.u8(src, in + 16 + 32L * chunk + l) >> shift) & 0xF;
                    s += q * x.q[xb + 32 * grp + l];
                }
                is += (int) ((scales >>> (8 * grp)) & 0xFF) * s;
                int sb = (xb + 32 * grp) / Q8Activations.SUM_LENGTH;
                im += (int) ((mins >>> (8 * grp)) & 0xFF) * (x.sums[sb] + x.sums[sb + 1]);
            }
            float dx = x.d[xb / 256];
            tot = Math.fma((float) is, Bytes.f16(src, in) * dx, tot);
            tot = Math.fma((float) im, Bytes.f16(src, in + 2) * -dx, tot);
        }
        return tot;
    }
}
