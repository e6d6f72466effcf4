package dev.kiln.cpu.packed;

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
 * Q6_K rows interleaved by R = short lanes per vector. GGUF block: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * i8 scales[16] (groups of 16), f16 d; w = d * sc * (q - 32) (see {@link dev.kiln.cpu.quant.Q6_K}). The 6-bit quants
 * are unpacked at load to signed bytes q - 32 (8 bits per weight instead of 6.5625: the price of a one-instruction
 * unpack). A group-block (R rows x 256 weights):
 * <pre>
 * per quad j of groups (4j .. 4j+3), in this order:
 *   sc    [R][4]         byte k of row r: signed scale of group 4j+k
 *   q     [32 words][R]  short: low byte q[2w] - 32, high byte q[2w+1] - 32 of row r (signed), w = 32j .. 32j+31
 * d       [R] f32
 * </pre>
 * The fields come in the order the decode kernel reads them and the group-blocks of a pair interleave vector by
 * vector, as in {@link Q4_KPacked}: byte F of group j's block is at 2F + j·2R of the pair's block.
 * Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} (q_i - 32) x_i}; products are at most 32 · 127, so the 8
 * low-byte (and 8 high-byte) products of a group add up in a 16-bit lane.
 */
public final class Q6_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Bytes of one quad: its scales, then its 32 words. */
    private static final int QUAD = 68 * R;
    private static final int D = 4 * QUAD;
    private static final int BLOCK_BYTES = D + 4 * R;
    private static final int UNIT = 2 * R;
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;

    public Q6_KPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    @Override
    public int blockLength() {
        return 256;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 276 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 256;
    }

    /** The 6-bit quant {@code j} (0..255) of the block at {@code in}, 0..63. */
    static int quant(MemorySegment src, long in, int j) {
        int half = j / 128;
        int l = j % 32;
        int part = (j % 128) / 32; // 0: ql[l] low, 1: ql[l+32] low, 2: ql[l] high, 3: ql[l+32] high
        int ql = Bytes.u8(src, in + 64L * half + l + 32L * (part & 1));
        int qh = Bytes.u8(src, in + 128 + 32L * half + l);
        return ((part < 2 ? ql & 0xF : ql >> 4) | ((qh >> (2 * part)) & 3) << 4);
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        int blocks = cols / 256;
        int unit = 2 * groupRows;
        int quad = 68 * groupRows, d = 4 * quad;
        for (int r = 0; r < rows; r++) {
            long row = (firstRow + r) * rowBytes;
            for (int b = 0; b < blocks; b++) {
                long in = row + 210L * b;
                long out = pairOffset + 2L * b * blockBytes(groupRows);
                dst.set(Bytes.FLOAT, out + PackedMatrix.at(unit, half, d + 4L * r), Bytes.f16(src, in + 208));
                for (int j = 0; j < 16; j++) {
                    long at = (long) (j / 4) * quad + 4L * r + j % 4;
                    dst.set(ValueLayout.JAVA_BYTE, out + PackedMatrix.at(unit, half, at), src.get(ValueLayout.JAVA_BYTE, in + 192 + j));
                }
                for (int w = 0; w < 128; w++) {
                    int lo = quant(src, in, 2 * w) - 32;
                    int hi = quant(src, in, 2 * w + 1) - 32;
                    long word = (long) (w / 32) * quad + 4L * groupRows + (w % 32) * 2L * groupRows;
                    dst.set(Bytes.SHORT, out + PackedMatrix.at(unit, half, word + 2L * r),
                            (short) ((lo & 0xFF) | (hi << 8)));
                }
            }
        }
    }

    // Split like Q4_KPacked: no vector crosses a method boundary (see the note there).

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        int[] is = new int[2 * R]; // [group g, group g+1][R]
        long o = w.pairOffset(g >> 1);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumPair(w.data(), o, x.q, xb, is);
            finish(w.data(), o, is, 0, x.d[xb / 256], out, outOffset, b == 0);
            finish(w.data(), o + UNIT, is, R, x.d[xb / 256], out, outOffset + R, b == 0);
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
                finish(w.data(), o, is, j * R, x.d[(xb + j * cols) / 256], out, outOffset + j * outStride, b == 0);
            }
        }
    }

    /** is[0..R) = Σ_g sc_g Σ_{i∈g} (q_i - 32) x_i of one block for the first group of the pair block at o, is[R..2R) for the second. */
    private static void sumPair(MemorySegment m, long o, short[] xq, int xb, int[] is) {
        long p = o + UNIT;
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int j = 0; j < 4; j++) {
            long quad = 2L * QUAD * j;
            IntVector sa0 = IntVector.fromMemorySegment(I, m, o + quad, LE);
            IntVector sa1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE);
            IntVector sb0 = IntVector.fromMemorySegment(I, m, p + quad, LE);
            IntVector sb1 = IntVector.fromMemorySegment(I, m, p + quad + 2 * UNIT, LE);
            for (int k = 0; k < 4; k++) {
                ShortVector aLo = ShortVector.zero(S), aHi = ShortVector.zero(S);
                ShortVector bLo = ShortVector.zero(S), bHi = ShortVector.zero(S);
                long word = quad + 2L * (4 * R) + 2L * UNIT * 8 * k;
                int xi = xb + 16 * (4 * j + k);
                for (int i = 0; i < 8; i++, word += 2 * UNIT, xi += 2) {
                    short x0 = xq[xi], x1 = xq[xi + 1];
                    ShortVector v = ShortVector.fromMemorySegment(S, m, o + word, LE);
                    aLo = aLo.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(x0));
                    aHi = aHi.add(v.lanewise(VectorOperators.ASHR, 8).mul(x1));
                    ShortVector u = ShortVector.fromMemorySegment(S, m, p + word, LE);
                    bLo = bLo.add(u.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(x0));
                    bHi = bHi.add(u.lanewise(VectorOperators.ASHR, 8).mul(x1));
                }
                int up = 24 - 8 * k;
                ia0 = ia0.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 0)).add(aHi.convertShape(VectorOperators.S2I, I, 0))
                        .mul(sa0.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
                ia1 = ia1.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 1)).add(aHi.convertShape(VectorOperators.S2I, I, 1))
                        .mul(sa1.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
                ib0 = ib0.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 0)).add(bHi.convertShape(VectorOperators.S2I, I, 0))
                        .mul(sb0.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
                ib1 = ib1.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 1)).add(bHi.convertShape(VectorOperators.S2I, I, 1))
                        .mul(sb1.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
            }
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /** is[j·R .. (j+1)·R) = the block sums of one group (first unit at o) for token j (activations at xb + j·cols). */
    private static void sumQuad(MemorySegment m, long o, short[] xq, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int j = 0; j < 4; j++) {
            long quad = 2L * QUAD * j;
            IntVector sq0 = IntVector.fromMemorySegment(I, m, o + quad, LE);
            IntVector sq1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE);
            for (int k = 0; k < 4; k++) {
                ShortVector lo0 = ShortVector.zero(S), hi0 = ShortVector.zero(S), lo1 = ShortVector.zero(S), hi1 = ShortVector.zero(S);
                ShortVector lo2 = ShortVector.zero(S), hi2 = ShortVector.zero(S), lo3 = ShortVector.zero(S), hi3 = ShortVector.zero(S);
                long word = o + quad + 2L * (4 * R) + 2L * UNIT * 8 * k;
                int xi = 16 * (4 * j + k);
                for (int i = 0; i < 8; i++, word += 2 * UNIT, xi += 2) {
                    ShortVector v = ShortVector.fromMemorySegment(S, m, word, LE);
                    ShortVector qa = v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8);
                    ShortVector qb = v.lanewise(VectorOperators.ASHR, 8);
                    lo0 = lo0.add(qa.mul(xq[x0 + xi]));
                    hi0 = hi0.add(qb.mul(xq[x0 + xi + 1]));
                    lo1 = lo1.add(qa.mul(xq[x1 + xi]));
                    hi1 = hi1.add(qb.mul(xq[x1 + xi + 1]));
                    lo2 = lo2.add(qa.mul(xq[x2 + xi]));
                    hi2 = hi2.add(qb.mul(xq[x2 + xi + 1]));
                    lo3 = lo3.add(qa.mul(xq[x3 + xi]));
                    hi3 = hi3.add(qb.mul(xq[x3 + xi + 1]));
                }
                int up = 24 - 8 * k;
                IntVector s0 = sq0.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24);
                IntVector s1 = sq1.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24);
                i00 = i00.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add(hi0.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
                i01 = i01.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add(hi0.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
                i10 = i10.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).add(hi1.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
                i11 = i11.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).add(hi1.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
                i20 = i20.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0)).add(hi2.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
                i21 = i21.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1)).add(hi2.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
                i30 = i30.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0)).add(hi3.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
                i31 = i31.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1)).add(hi3.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
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

    /** {@code out[at + r] = (first ? 0 : out[at + r]) + is[r]·(d·dx)} for the R rows of one group (first unit at o). */
    private static void finish(MemorySegment m, long o, int[] is, int isOffset, float dx, float[] out, int at,
                               boolean first) {
        for (int half = 0; half < 2; half++) {
            int a = at + HALF * half;
            FloatVector tot = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, a);
            FloatVector d = FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT * half, LE).mul(dx);
            ((FloatVector) IntVector.fromArray(I, is, isOffset + HALF * half).convert(VectorOperators.I2F, 0)).fma(d, tot)
                    .intoArray(out, a);
        }
    }

    @Override
    public float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t) {
        float tot = 0f;
        for (int b = 0; b < cols / 256; b++) {
            long in = rowOffset + 210L * b;
            int xb = t * cols + 256 * b;
            int is = 0;
            for (int grp = 0; grp < 16; grp++) {
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    int j = 16 * grp + l;
                    s += (quant(src, in, j) - 32) * x.q[xb + j];
                }
                is += Bytes.i8(src, in + 192 + grp) * s;
            }
            tot = Math.fma((float) is, Bytes.f16(src, in + 208) * x.d[xb / 256], tot);
        }
        return tot;
    }
}
