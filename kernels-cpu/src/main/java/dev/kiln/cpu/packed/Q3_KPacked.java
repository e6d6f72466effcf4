package dev.kiln.cpu.packed;

import dev.kiln.cpu.simd.Bytes;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;

/**
 * Q3_K rows interleaved by R = short lanes per vector. GGUF block: hmask[32], qs[64], 12 bytes of 6-bit scales, f16 d;
 * group g (16 weights) has the signed scale sc_g - 32 and quants v = q2 + 4·hbit - 4 in -4..3 (see
 * {@link dev.kiln.cpu.quant.Q3_K}), w = d * (sc - 32) * v. Each quant is stored as u = v + 4 in 3 bits, five to a
 * 16-bit word (slots at bits 0, 3, 6, 9 and 12; bit 15 unused), and taken out by a shift and a mask of the int view
 * (see {@link Q8_0Packed} on why not 16-bit shifts); the offset enters as -4·Σx. Two groups of 16 take 7 words:
 * words 0-2 hold weights 0..14 of the first group (weight l in word l % 3, slot l / 3), words 3-5 those of the
 * second, and word 6 the last weight of each in slots 0 and 1. A group-block (R rows x 256 weights), 132 bytes per
 * row instead of 110 (3.5 bits per quant instead of 3.4375 without bits split across words, and the scales as bytes):
 * <pre>
 * per pair of groups 2i, 2i+1, in this order (8 vectors):
 *   qs    [word 6, 0, 1, 2][R]   short: slots of the row in that lane, as above
 *   sc    [2][R]                 byte: signed scale (sc - 32) of group 2i (then 2i+1), row r (one load and a
 *                                sign-extending conversion give a group's scales as ints)
 *   qs    [words 3, 4, 5][R]
 * d     [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes; the scales of two groups share one), in the order the
 * decode kernel reads them; the group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}), so the
 * decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i);
 * sc and d are in row order.
 *
 * <p>Per row and block: {@code sum = d·dx · Σ_g sc_g (Σ_{i∈g} u_i x_i - 4 Σ_{i∈g} x_i)}. A group's 16-bit sum starts
 * at -4·Σx (at most 4 · 16 · 127 = 8128) and adds 16 products of at most 7 · 127 = 889: |sum| &lt;= 22352 fits a
 * 16-bit lane; it is widened by shifts of the int view and multiplied by the group's scale.
 */
public final class Q3_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** One byte per row of a group: half the vector's bits. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * A quarter of a vector of bytes: with 256-bit vectors (AVX2, {@link #NARROW}) the scales of a group's upper half of
     * rows are loaded and widened from memory, where {@code convertShape(..., 1)} compiles into a slice of shuffles
     * and blends (see {@link Q4_KPacked}).
     */
    private static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    private static final boolean NARROW = F.vectorBitSize() == 256;
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** Bytes of two groups (7 words and a unit of scales); within them the first words of each group, the scales. */
    private static final int TWO_GROUPS = 8 * UNIT;
    private static final int WORDS_0 = UNIT;
    private static final int WORDS_1 = 5 * UNIT;
    private static final int SC = 4 * UNIT;
    private static final int D = 8 * TWO_GROUPS;
    private static final int BLOCK_BYTES = D + 4 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** The low 3 bits of both 16-bit halves of an int lane. */
    private static final int SLOT = 0x0007_0007;

    public Q3_KPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q3_K;
    }

    @Override
    public int blockLength() {
        return 256;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 132 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 256;
    }

    /** The quant {@code i} (0..255) of the block at {@code in}: q2 + 4·hbit - 4, in -4..3. */
    static int quant(MemorySegment src, long in, int i) {
        int g = i / 16, l = i % 16;
        int h = g / 8, j = (g % 8) / 2, s = g % 2;
        int q2 = (Bytes.u8(src, in + 32 + 32L * h + 16L * s + l) >> (2 * j)) & 3;
        int hbit = (Bytes.u8(src, in + 16L * s + l) >> (4 * h + j)) & 1;
        return q2 + 4 * hbit - 4;
    }

    /** The signed scale of group {@code g} (0..15) of the block at {@code in}: the 6-bit field minus 32. */
    static int scale(MemorySegment src, long in, int g) {
        return scale(Bytes.u8(src, in + 96 + (g & 7)), Bytes.u8(src, in + 104 + (g & 3)), g);
    }

    /** {@link #scale(MemorySegment, long, int)} of a block copied to the heap. */
    private static int scale(byte[] block, int g) {
        return scale(block[96 + (g & 7)], block[104 + (g & 3)], g);
    }

    /**
     * The signed scale of group g from the byte of its low 4 bits ({@code low}, scales[g % 8]) and that of its high 2
     * bits ({@code high}, scales[8 + g % 4]); the bits taken are at most bit 7, so a sign-extended byte gives the same.
     */
    private static int scale(int low, int high, int g) {
        return (((low >> (4 * (g >> 3))) & 0xF) | (((high >> (2 * (g >> 2))) & 3) << 4)) - 32;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        int unit = 2 * groupRows;
        int bb = blockBytes(groupRows);
        byte[] block = new byte[110]; // one GGUF block of one row
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        int[] v = new int[256];       // the block's quants plus 4
        for (int b = 0; b < cols / 256; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 110L * b, block, 0, 110);
                stageRow(block, v, stage, r, groupRows);
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
    }

    /**
     * Row r's fields of one block ({@code block}, as stored in GGUF) at their offsets in {@code stage}; {@code v} holds
     * the block's quants plus 4 meanwhile.
     */
    private static void stageRow(byte[] block, int[] v, byte[] stage, int r, int groupRows) {
        int unit = 2 * groupRows;
        int twoGroups = 8 * unit, d = 8 * twoGroups; // the offsets of the class comment, for groupRows rows
        int lane = Q8_0Packed.lane(r, groupRows);
        Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 108));
        for (int g = 0; g < 16; g++) {
            stage[(g >> 1) * twoGroups + 4 * unit + (g & 1) * groupRows + r] = (byte) scale(block, g);
        }
        unpack(block, v);
        for (int pair = 0; pair < 8; pair++) {
            stageWords(v, 32 * pair, stage, pair * twoGroups + 2 * lane, unit);
        }
    }

    /**
     * The 7 words of two groups whose quants (plus 4) start at {@code v[first]}: word w to
     * {@code stage[at + slot·unit]}, slot 1-3 for words 0-2, 5-7 for words 3-5 and 0 for word 6.
     */
    private static void stageWords(int[] v, int first, byte[] stage, int at, int unit) {
        for (int second = 0; second < 2; second++) {
            int f = first + 16 * second;
            for (int k = 0; k < 3; k++) { // word 3·second + k: quants l = k, k + 3, ..., k + 12 of the group
                int word = v[f + k] | v[f + k + 3] << 3 | v[f + k + 6] << 6 | v[f + k + 9] << 9 | v[f + k + 12] << 12;
                Packing.putShort(stage, at + (1 + 4 * second + k) * unit, word);
            }
        }
        Packing.putShort(stage, at, v[first + 15] | v[first + 31] << 3);
    }

    /**
     * The 256 quants of a block (as stored in GGUF) plus 4, 0..7, into {@code v}: {@link #quant} for all at once. With
     * quant per weight from a heap segment and the row's fields in one method, one core (Zen 3) packed a 14336 x 4096
     * matrix in 333 ms; unpacked at once and split into stageRow and stageWords, in 132.
     */
    private static void unpack(byte[] block, int[] v) {
        for (int g = 0; g < 16; g++) { // group g = 8h + 2j + s
            int h = g >> 3, j = (g >> 1) & 3, s = g & 1;
            for (int l = 0; l < 16; l++) {
                int q2 = (block[32 + 32 * h + 16 * s + l] >> (2 * j)) & 3;
                int hbit = (block[16 * s + l] >> (4 * h + j)) & 1;
                v[16 * g + l] = q2 + 4 * hbit;
            }
        }
    }

    // Split like Q4_KPacked: no vector crosses a method boundary (see the note there).

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        int[] is = new int[2 * R]; // [group g, group g+1][R] scale-weighted integer sums of one block
        long o = w.pairOffset(g >> 1);
        long p = o + UNIT;
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumPair(w.data(), o, p, x.q, x.sums, xb, is);
            finish(w.data(), o, is, 0, x.d[xb / 256], out, outOffset, b == 0);
            finish(w.data(), p, is, R, x.d[xb / 256], out, outOffset + R, b == 0);
        }
    }

    @Override
    public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride) {
        int cols = w.cols();
        int[] is = new int[4 * R]; // [token t..t+3][R]
        long o = w.pairOffset(g >> 1) + (g & 1) * UNIT; // this group's units of the pair's blocks
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumQuad(w.data(), o, x.q, x.sums, xb, cols, is);
            for (int j = 0; j < 4; j++) {
                finish(w.data(), o, is, j * R, x.d[(xb + j * cols) / 256], out, outOffset + j * outStride, b == 0);
            }
        }
    }

    /** is[0..R) = Σ_g sc_g Σ_{i∈g} v_i x_i of one block for the group at o, is[R..2R) for the group at p. */
    private static void sumPair(MemorySegment m, long o, long p, short[] xq, int[] sums, int xb, int[] is) {
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int g = 0; g < 16; g++) {
            int half = g & 1;
            long two = 2L * TWO_GROUPS * (g >> 1); // groups g & ~1 and g | 1
            int xg = xb + 16 * g;
            // the offset, -4 Σx, then the last weight (word 6, slot `half`)
            short x15 = xq[xg + 15];
            ShortVector offset = ShortVector.broadcast(S, (short) (-4 * sums[xg / Q8Activations.SUM_LENGTH]));
            IntVector v = IntVector.fromMemorySegment(I, m, o + two, LE);
            IntVector u = IntVector.fromMemorySegment(I, m, p + two, LE);
            ShortVector a = offset.add(v.lanewise(VectorOperators.LSHR, 3 * half).and(SLOT).reinterpretAsShorts().mul(x15));
            ShortVector c = offset.add(u.lanewise(VectorOperators.LSHR, 3 * half).and(SLOT).reinterpretAsShorts().mul(x15));
            long word = two + 2L * (WORDS_0 + (WORDS_1 - WORDS_0) * half);
            for (int k = 0; k < 3; k++, word += 2 * UNIT) {
                short x0 = xq[xg + k], x1 = xq[xg + k + 3], x2 = xq[xg + k + 6], x3 = xq[xg + k + 9], x4 = xq[xg + k + 12];
                v = IntVector.fromMemorySegment(I, m, o + word, LE);
                a = a.add(v.and(SLOT).reinterpretAsShorts().mul(x0)
                                .add(v.lanewise(VectorOperators.LSHR, 3).and(SLOT).reinterpretAsShorts().mul(x1)))
                        .add(v.lanewise(VectorOperators.LSHR, 6).and(SLOT).reinterpretAsShorts().mul(x2)
                                .add(v.lanewise(VectorOperators.LSHR, 9).and(SLOT).reinterpretAsShorts().mul(x3)))
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(SLOT).reinterpretAsShorts().mul(x4));
                u = IntVector.fromMemorySegment(I, m, p + word, LE);
                c = c.add(u.and(SLOT).reinterpretAsShorts().mul(x0)
                                .add(u.lanewise(VectorOperators.LSHR, 3).and(SLOT).reinterpretAsShorts().mul(x1)))
                        .add(u.lanewise(VectorOperators.LSHR, 6).and(SLOT).reinterpretAsShorts().mul(x2)
                                .add(u.lanewise(VectorOperators.LSHR, 9).and(SLOT).reinterpretAsShorts().mul(x3)))
                        .add(u.lanewise(VectorOperators.LSHR, 12).and(SLOT).reinterpretAsShorts().mul(x4));
            }
            ByteVector sa = ByteVector.fromMemorySegment(B, m, o + two + 2L * SC + (long) R * half, LE);
            ByteVector sb = ByteVector.fromMemorySegment(B, m, p + two + 2L * SC + (long) R * half, LE);
            IntVector sa0 = (IntVector) sa.convertShape(VectorOperators.B2I, I, 0);
            IntVector sa1 = (IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, o + two + 2L * SC + (long) R * half + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : sa.convertShape(VectorOperators.B2I, I, 1));
            IntVector sb0 = (IntVector) sb.convertShape(VectorOperators.B2I, I, 0);
            IntVector sb1 = (IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, p + two + 2L * SC + (long) R * half + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : sb.convertShape(VectorOperators.B2I, I, 1));
            IntVector ai = a.reinterpretAsInts(), ci = c.reinterpretAsInts();
            ia0 = ia0.add(ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sa0));
            ia1 = ia1.add(ai.lanewise(VectorOperators.ASHR, 16).mul(sa1));
            ib0 = ib0.add(ci.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sb0));
            ib1 = ib1.add(ci.lanewise(VectorOperators.ASHR, 16).mul(sb1));
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /** is[j·R .. (j+1)·R) = the block sums of the group at o for token j (activations at xb + j·cols). */
    private static void sumQuad(MemorySegment m, long o, short[] xq, int[] sums, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int g = 0; g < 16; g++) {
            int half = g & 1;
            long two = o + 2L * TWO_GROUPS * (g >> 1);
            int xg = 16 * g;
            IntVector v = IntVector.fromMemorySegment(I, m, two, LE);
            ShortVector q = v.lanewise(VectorOperators.LSHR, 3 * half).and(SLOT).reinterpretAsShorts();
            int sb = xg / Q8Activations.SUM_LENGTH;
            ShortVector s0 = q.mul(xq[x0 + xg + 15]).add((short) (-4 * sums[x0 / Q8Activations.SUM_LENGTH + sb]));
            ShortVector s1 = q.mul(xq[x1 + xg + 15]).add((short) (-4 * sums[x1 / Q8Activations.SUM_LENGTH + sb]));
            ShortVector s2 = q.mul(xq[x2 + xg + 15]).add((short) (-4 * sums[x2 / Q8Activations.SUM_LENGTH + sb]));
            ShortVector s3 = q.mul(xq[x3 + xg + 15]).add((short) (-4 * sums[x3 / Q8Activations.SUM_LENGTH + sb]));
            long word = two + 2L * (WORDS_0 + (WORDS_1 - WORDS_0) * half);
            for (int k = 0; k < 3; k++, word += 2 * UNIT, xg++) {
                v = IntVector.fromMemorySegment(I, m, word, LE);
                ShortVector q0 = v.and(SLOT).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 3).and(SLOT).reinterpretAsShorts();
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 6).and(SLOT).reinterpretAsShorts();
                ShortVector q3 = v.lanewise(VectorOperators.LSHR, 9).and(SLOT).reinterpretAsShorts();
                ShortVector q4 = v.lanewise(VectorOperators.LSHR, 12).and(SLOT).reinterpretAsShorts();
                s0 = s0.add(q0.mul(xq[x0 + xg]).add(q1.mul(xq[x0 + xg + 3]))).add(q2.mul(xq[x0 + xg + 6]).add(q3.mul(xq[x0 + xg + 9]))).add(q4.mul(xq[x0 + xg + 12]));
                s1 = s1.add(q0.mul(xq[x1 + xg]).add(q1.mul(xq[x1 + xg + 3]))).add(q2.mul(xq[x1 + xg + 6]).add(q3.mul(xq[x1 + xg + 9]))).add(q4.mul(xq[x1 + xg + 12]));
                s2 = s2.add(q0.mul(xq[x2 + xg]).add(q1.mul(xq[x2 + xg + 3]))).add(q2.mul(xq[x2 + xg + 6]).add(q3.mul(xq[x2 + xg + 9]))).add(q4.mul(xq[x2 + xg + 12]));
                s3 = s3.add(q0.mul(xq[x3 + xg]).add(q1.mul(xq[x3 + xg + 3]))).add(q2.mul(xq[x3 + xg + 6]).add(q3.mul(xq[x3 + xg + 9]))).add(q4.mul(xq[x3 + xg + 12]));
            }
            ByteVector sv = ByteVector.fromMemorySegment(B, m, two + 2L * SC + (long) R * half, LE);
            IntVector sc0 = (IntVector) sv.convertShape(VectorOperators.B2I, I, 0);
            IntVector sc1 = (IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, two + 2L * SC + (long) R * half + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : sv.convertShape(VectorOperators.B2I, I, 1));
            IntVector t0 = s0.reinterpretAsInts(), t1 = s1.reinterpretAsInts(), t2 = s2.reinterpretAsInts(), t3 = s3.reinterpretAsInts();
            i00 = i00.add(t0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sc0));
            i01 = i01.add(t0.lanewise(VectorOperators.ASHR, 16).mul(sc1));
            i10 = i10.add(t1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sc0));
            i11 = i11.add(t1.lanewise(VectorOperators.ASHR, 16).mul(sc1));
            i20 = i20.add(t2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sc0));
            i21 = i21.add(t2.lanewise(VectorOperators.ASHR, 16).mul(sc1));
            i30 = i30.add(t3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).mul(sc0));
            i31 = i31.add(t3.lanewise(VectorOperators.ASHR, 16).mul(sc1));
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

    /** {@code out[at + r] = (first ? 0 : out[at + r]) + is[r]·(d·dx)} for the R rows of the group at o. */
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
            long in = rowOffset + 110L * b;
            int xb = t * cols + 256 * b;
            int is = 0;
            for (int grp = 0; grp < 16; grp++) {
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    int j = 16 * grp + l;
                    s += quant(src, in, j) * x.q[xb + j];
                }
                is += scale(src, in, grp) * s;
            }
            tot = Math.fma((float) is, Bytes.f16(src, in + 108) * x.d[xb / 256], tot);
        }
        return tot;
    }
}
