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
 * sc0   [R][4]               byte k of row r: 6-bit scale of group k (k &lt; 4)
 * qs01  [32 words][R]        short: row r's qs bytes 2w', 2w'+1 of chunk c (word 16c + w'), as stored:
 *                            bits 0-3 index 64c+2w', 4-7 index 64c+32+2w', 8-11 index 64c+2w'+1, 12-15 index 64c+33+2w'
 * sc1   [R][4]               scales of groups 4..7
 * qs23  [32 words][R]        chunks 2 and 3
 * m     [2][R][4]            the 6-bit minimums, quad j byte k = group 4j+k
 * d     [R] f32, dmin [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes), in the order the decode kernel reads them; the
 * group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}), so a field at byte F of group j's block is
 * at 2F + j·2R of the pair's block and the decode kernel reads one gapless stream (a skipped kilobyte per block
 * cost the hardware prefetcher two thirds of a core's bandwidth, measured).
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
    private static final int SC0 = 0;
    private static final int QS01 = SC0 + 4 * R;
    private static final int SC1 = QS01 + 64 * R;
    private static final int QS23 = SC1 + 4 * R;
    private static final int MIN = QS23 + 64 * R;
    private static final int D = MIN + 8 * R;
    private static final int DMIN = D + 4 * R;
    private static final int BLOCK_BYTES = DMIN + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;

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
                     MemorySegment dst, long pairOffset, int half) {
        int blocks = cols / 256;
        int unit = 2 * groupRows;
        // the field offsets of the class comment, for groupRows rows
        int sc1 = 68 * groupRows, min = 136 * groupRows, d = 144 * groupRows, dmin = 148 * groupRows;
        for (int r = 0; r < rows; r++) {
            long row = (firstRow + r) * rowBytes;
            for (int b = 0; b < blocks; b++) {
                long in = row + 144L * b;
                long out = pairOffset + 2L * b * blockBytes(groupRows);
                dst.set(Bytes.FLOAT, out + PackedMatrix.at(unit, half, d + 4L * r), Bytes.f16(src, in));
                dst.set(Bytes.FLOAT, out + PackedMatrix.at(unit, half, dmin + 4L * r), Bytes.f16(src, in + 2));
                long packedScales = Q4_K.packedScales(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
                long packedMins = Q4_K.packedMins(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
                for (int j = 0; j < 8; j++) {
                    long at = 4L * r + j % 4;
                    dst.set(ValueLayout.JAVA_BYTE, out + PackedMatrix.at(unit, half, (j < 4 ? 0 : sc1) + at),
                            (byte) (packedScales >>> (8 * j)));
                    dst.set(ValueLayout.JAVA_BYTE, out + PackedMatrix.at(unit, half, min + (j / 4) * 4L * groupRows + at),
                            (byte) (packedMins >>> (8 * j)));
                }
                for (int w = 0; w < 64; w++) {
                    long chunk = (w < 32 ? 4 : 72) * (long) groupRows + (w % 32) * 2L * groupRows; // qs01 or qs23
                    dst.set(Bytes.SHORT, out + PackedMatrix.at(unit, half, chunk + 2L * r),
                            src.get(Bytes.SHORT, in + 16 + 2L * w));
                }
            }
        }
    }

    // The kernels are split into methods that take and return no vectors: C2 stops inlining in a method past
    // NodeCountInliningCutoff, and a vector crossing a call that was not inlined is boxed (tens of times slower).

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        int[] is = new int[2 * R]; // [group g, group g+1][R] scale-weighted integer sums of one block
        long o = w.pairOffset(g >> 1);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumPair(w.data(), o, x.q, xb, is);
            finish(w.data(), o, is, 0, x, xb, out, outOffset, b == 0);
            finish(w.data(), o + UNIT, is, R, x, xb, out, outOffset + R, b == 0);
        }
    }

    @Override
    public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride) {
        int cols = w.cols();
        int[] is = new int[4 * R]; // [token t..t+3][R]
        long o = w.pairOffset(g >> 1) + (g & 1) * UNIT; // this group's units of the pair's blocks
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumQuad(w.data(), o, x.q, xb, cols, is);
            for (int j = 0; j < 4; j++) {
                finish(w.data(), o, is, j * R, x, xb + j * cols, out, outOffset + j * outStride, b == 0);
            }
        }
    }

    /**
     * is[0..R) = Σ_g sc_g Σ_{i∈g} q_i x_i of one block for the first group of the pair block at o, is[R..2R) for the
     * second.
     */
    private static void sumPair(MemorySegment m, long o, short[] xq, int xb, int[] is) {
        long p = o + UNIT;
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            long quad = 2L * (c < 2 ? SC0 : SC1);
            int shift = 16 * (c & 1);
            IntVector sa0 = IntVector.fromMemorySegment(I, m, o + quad, LE).lanewise(VectorOperators.LSHR, shift);
            IntVector sa1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE).lanewise(VectorOperators.LSHR, shift);
            IntVector sb0 = IntVector.fromMemorySegment(I, m, p + quad, LE).lanewise(VectorOperators.LSHR, shift);
            IntVector sb1 = IntVector.fromMemorySegment(I, m, p + quad + 2 * UNIT, LE).lanewise(VectorOperators.LSHR, shift);
            for (int h = 0; h < 2; h++) {
                ShortVector aLo = ShortVector.zero(S), aHi = ShortVector.zero(S);
                ShortVector bLo = ShortVector.zero(S), bHi = ShortVector.zero(S);
                long word = 2L * (c < 2 ? QS01 : QS23) + (16L * (c & 1) + 8 * h) * 2 * UNIT;
                int xi = xb + 64 * c + 16 * h;
                for (int k = 0; k < 8; k++, word += 2 * UNIT, xi += 2) {
                    short x0 = xq[xi], x1 = xq[xi + 1], x2 = xq[xi + 32], x3 = xq[xi + 33];
                    ShortVector v = ShortVector.fromMemorySegment(S, m, o + word, LE);
                    aLo = aLo.add(v.and((short) 0xF).mul(x0)).add(v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(x1));
                    aHi = aHi.add(v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(x2)).add(v.lanewise(VectorOperators.LSHR, 12).mul(x3));
                    ShortVector u = ShortVector.fromMemorySegment(S, m, p + word, LE);
                    bLo = bLo.add(u.and((short) 0xF).mul(x0)).add(u.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(x1));
                    bHi = bHi.add(u.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(x2)).add(u.lanewise(VectorOperators.LSHR, 12).mul(x3));
                }
                ia0 = ia0.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 0)).mul(sa0.and(0xFF)))
                        .add(((IntVector) aHi.convertShape(VectorOperators.S2I, I, 0)).mul(sa0.lanewise(VectorOperators.LSHR, 8).and(0xFF)));
                ia1 = ia1.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 1)).mul(sa1.and(0xFF)))
                        .add(((IntVector) aHi.convertShape(VectorOperators.S2I, I, 1)).mul(sa1.lanewise(VectorOperators.LSHR, 8).and(0xFF)));
                ib0 = ib0.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 0)).mul(sb0.and(0xFF)))
                        .add(((IntVector) bHi.convertShape(VectorOperators.S2I, I, 0)).mul(sb0.lanewise(VectorOperators.LSHR, 8).and(0xFF)));
                ib1 = ib1.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 1)).mul(sb1.and(0xFF)))
                        .add(((IntVector) bHi.convertShape(VectorOperators.S2I, I, 1)).mul(sb1.lanewise(VectorOperators.LSHR, 8).and(0xFF)));
            }
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /**
     * is[j·R .. (j+1)·R) = the block sums of one group for token j (activations at xb + j·cols); o is the group's first
     * unit in its pair's block.
     */
    private static void sumQuad(MemorySegment m, long o, short[] xq, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            long quad = 2L * (c < 2 ? SC0 : SC1);
            int shift = 16 * (c & 1);
            IntVector s0 = IntVector.fromMemorySegment(I, m, o + quad, LE).lanewise(VectorOperators.LSHR, shift);
            IntVector s1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE).lanewise(VectorOperators.LSHR, shift);
            for (int h = 0; h < 2; h++) {
                ShortVector lo0 = ShortVector.zero(S), hi0 = ShortVector.zero(S), lo1 = ShortVector.zero(S), hi1 = ShortVector.zero(S);
                ShortVector lo2 = ShortVector.zero(S), hi2 = ShortVector.zero(S), lo3 = ShortVector.zero(S), hi3 = ShortVector.zero(S);
                long word = o + 2L * (c < 2 ? QS01 : QS23) + (16L * (c & 1) + 8 * h) * 2 * UNIT;
                int xi = 64 * c + 16 * h;
                for (int k = 0; k < 8; k++, word += 2 * UNIT, xi += 2) {
                    ShortVector v = ShortVector.fromMemorySegment(S, m, word, LE);
                    ShortVector q0 = v.and((short) 0xF);
                    ShortVector q1 = v.lanewise(VectorOperators.LSHR, 8).and((short) 0xF);
                    ShortVector q2 = v.lanewise(VectorOperators.LSHR, 4).and((short) 0xF);
                    ShortVector q3 = v.lanewise(VectorOperators.LSHR, 12);
                    lo0 = lo0.add(q0.mul(xq[x0 + xi])).add(q1.mul(xq[x0 + xi + 1]));
                    hi0 = hi0.add(q2.mul(xq[x0 + xi + 32])).add(q3.mul(xq[x0 + xi + 33]));
                    lo1 = lo1.add(q0.mul(xq[x1 + xi])).add(q1.mul(xq[x1 + xi + 1]));
                    hi1 = hi1.add(q2.mul(xq[x1 + xi + 32])).add(q3.mul(xq[x1 + xi + 33]));
                    lo2 = lo2.add(q0.mul(xq[x2 + xi])).add(q1.mul(xq[x2 + xi + 1]));
                    hi2 = hi2.add(q2.mul(xq[x2 + xi + 32])).add(q3.mul(xq[x2 + xi + 33]));
                    lo3 = lo3.add(q0.mul(xq[x3 + xi])).add(q1.mul(xq[x3 + xi + 1]));
                    hi3 = hi3.add(q2.mul(xq[x3 + xi + 32])).add(q3.mul(xq[x3 + xi + 33]));
                }
                IntVector sl0 = s0.and(0xFF), sh0 = s0.lanewise(VectorOperators.LSHR, 8).and(0xFF);
                IntVector sl1 = s1.and(0xFF), sh1 = s1.lanewise(VectorOperators.LSHR, 8).and(0xFF);
                i00 = i00.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).mul(sl0)).add(((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0)).mul(sh0));
                i01 = i01.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).mul(sl1)).add(((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1)).mul(sh1));
                i10 = i10.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).mul(sl0)).add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0)).mul(sh0));
                i11 = i11.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).mul(sl1)).add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1)).mul(sh1));
                i20 = i20.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0)).mul(sl0)).add(((IntVector) hi2.convertShape(VectorOperators.S2I, I, 0)).mul(sh0));
                i21 = i21.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1)).mul(sl1)).add(((IntVector) hi2.convertShape(VectorOperators.S2I, I, 1)).mul(sh1));
                i30 = i30.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0)).mul(sl0)).add(((IntVector) hi3.convertShape(VectorOperators.S2I, I, 0)).mul(sh0));
                i31 = i31.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1)).mul(sl1)).add(((IntVector) hi3.convertShape(VectorOperators.S2I, I, 1)).mul(sh1));
            }
        }
        i00.intoArray(is, 0);
        i01.intoArray(is, HALF);
        i10.intoArray(is, R);
        i11.intoArray(is, R + HALF);
        i20.intoArray(is, 2 * R);
        i21.intoArray(is, 2 * R + HALF);
        i30.intoArray(is, 3 * R);
        i31.intoArray(is, 3 * R + HALF);
    }

    /**
     * Adds one block to the float totals of the R rows of one group for one token (activations from xb); o is the
     * group's first unit in its pair's block:
     * {@code out[at + r] = (first ? 0 : out[at + r]) + is[r]·(d·dx) + (Σ_g m_g·bsum_g)·(dmin·-dx)}, two fused
     * multiply-adds in that order, as {@link #reference}.
     */
    private static void finish(MemorySegment m, long o, int[] is, int isOffset, Q8Activations x, int xb, float[] out,
                               int at, boolean first) {
        float dx = x.d[xb / 256];
        int sb = xb / Q8Activations.SUM_LENGTH;
        int[] sums = x.sums;
        for (int half = 0; half < 2; half++) {
            long rows = 2L * UNIT * half; // the second vector of a 4-byte-per-row field
            IntVector mins0 = IntVector.fromMemorySegment(I, m, o + 2L * MIN + rows, LE);
            IntVector mins1 = IntVector.fromMemorySegment(I, m, o + 2L * (MIN + 4L * R) + rows, LE);
            IntVector im = IntVector.zero(I);
            for (int k = 0; k < 4; k++) {
                im = im.add(mins0.lanewise(VectorOperators.LSHR, 8 * k).and(0xFF).mul(sums[sb + 2 * k] + sums[sb + 2 * k + 1]))
                        .add(mins1.lanewise(VectorOperators.LSHR, 8 * k).and(0xFF).mul(sums[sb + 8 + 2 * k] + sums[sb + 9 + 2 * k]));
            }
            int a = at + HALF * half;
            FloatVector tot = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, a);
            FloatVector d = FloatVector.fromMemorySegment(F, m, o + 2L * D + rows, LE).mul(dx);
            FloatVector dmin = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + rows, LE).mul(-dx);
            tot = ((FloatVector) IntVector.fromArray(I, is, isOffset + HALF * half).convert(VectorOperators.I2F, 0)).fma(d, tot);
            ((FloatVector) im.convert(VectorOperators.I2F, 0)).fma(dmin, tot).intoArray(out, a);
        }
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
