package dev.kiln.cpu.packed;

import dev.kiln.cpu.quant.Q4_K;
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
import java.util.Arrays;

/**
 * Q5_K rows interleaved by R = short lanes per vector. GGUF block: f16 d, f16 dmin, 12 bytes of 6-bit scales and
 * minimums (as Q4_K), qh[32], qs[128]; the quant q (0..31) of weight 64c + l is the low nibble of qs[32c + l] plus
 * bit 2c of qh[l] as bit 4, of weight 64c + 32 + l the high nibble plus bit 2c + 1 (see
 * {@link dev.kiln.cpu.quant.Q5_K}); w = d * sc * q - dmin * m, groups of 32. The quants are stored three to a 16-bit
 * word (slots at bits 0, 5 and 10; bit 15 unused) and taken out by a shift and a mask of the int view (see
 * {@link Q8_0Packed} on why not 16-bit shifts). A group of 32 takes 11 words: word k &lt; 8 holds weights 2k, 2k+1 and
 * 16+k; words 8 and 9 hold 26+2(k-8), 27+2(k-8) and 16+k; word 10 holds 30 and 31. A group-block (R rows x 256
 * weights), 200 bytes per row instead of 176 (5.5 bits per quant as in GGUF, the scales as bytes, d and dmin as f32):
 * <pre>
 * per pair of groups 2i, 2i+1, in this order (23 vectors):
 *   qs  [11 words][R]   short: slots of the row in that lane (group 2i), as above
 *   sc  [2][R]          byte: 6-bit scale of group 2i (then 2i+1), row r (a load and a conversion give a group's
 *                       scales as ints)
 *   qs  [11 words][R]   group 2i+1
 * m     [8][R]          byte: the 6-bit minimum of group g, row r
 * d     [R] f32, dmin [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes; the scales of two groups share one), in the order the
 * decode kernel reads them; the group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}), so the
 * decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i);
 * sc, m, d and dmin are in row order.
 *
 * <p>Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} q_i x_i - dmin·dx · Σ_g m_g Σ_{i∈g} x_i}. A group's
 * weights 0..15 and 16..31 are summed in two 16-bit lanes, each starting at -16·Σx over its 16 activations, so that
 * each ends at Σ (q - 16) x: at most 16 · 16 · 127 = 32512 (16-bit sums wrap on the way and come back: only the
 * final value must fit). Widened, the two and 16·Σx of the group are added and multiplied by the group's scale.
 */
public final class Q5_KPacked implements PackedKernel {
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
    /** Bytes of two groups: 11 words, the scales of both, 11 words. */
    private static final int TWO_GROUPS = 23 * UNIT;
    /** Where the scales and the second group's words are in two groups. */
    private static final int SC = 11 * UNIT;
    private static final int SECOND = 12 * UNIT;
    private static final int MIN = 4 * TWO_GROUPS;
    private static final int D = MIN + 8 * R;
    private static final int DMIN = D + 4 * R;
    private static final int BLOCK_BYTES = DMIN + 4 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** The low 5 bits of both 16-bit halves of an int lane. */
    private static final int SLOT = 0x001F_001F;

    public Q5_KPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_K;
    }

    @Override
    public int blockLength() {
        return 256;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 200 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 256;
    }

    /** The 5-bit quant {@code i} (0..255) of the block at {@code in}. */
    static int quant(MemorySegment src, long in, int i) {
        int c = i / 64, l = i % 32, high = (i / 32) % 2;
        int qs = Bytes.u8(src, in + 48 + 32L * c + l);
        int qh = Bytes.u8(src, in + 16 + l);
        return ((qs >> (4 * high)) & 0xF) | (((qh >> (2 * c + high)) & 1) << 4);
    }

    /** The group weight held by slot {@code s} of word {@code k} (0..10), or -1 for the unused slot. */
    static int slotWeight(int k, int s) {
        if (s == 2) {
            return k < 10 ? 16 + k : -1;
        }
        return k < 8 ? 2 * k + s : 26 + 2 * (k - 8) + s;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        int unit = 2 * groupRows;
        int bb = blockBytes(groupRows);
        byte[] block = new byte[176]; // one GGUF block of one row
        byte[] q = new byte[256];     // its quants, 0..31
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 256; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 176L * b, block, 0, 176);
                stageRow(block, q, stage, r, groupRows);
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
    }

    // The packing is split into small methods, as Q4_KPacked's is, and unpacks a block's quants once, where each
    // word's slots took their quants one by one from a heap segment (quant): one core (Zen 3) packed a
    // 14336 x 4096 matrix in 116 ms against 233.

    /** Row r's fields of one block ({@code block}, as stored in GGUF) at their offsets in {@code stage}. */
    private static void stageRow(byte[] block, byte[] q, byte[] stage, int r, int groupRows) {
        int unit = 2 * groupRows;
        // the offsets of the class comment, for groupRows rows
        int twoGroups = 23 * unit, min = 4 * twoGroups, d = min + 8 * groupRows;
        Q4_KPacked.stageScales(block, stage, r, groupRows, 11 * unit, twoGroups, min, d);
        unpack(block, q);
        int lane = Q8_0Packed.lane(r, groupRows);
        for (int g = 0; g < 8; g++) {
            stageWords(q, 32 * g, stage, (g >> 1) * twoGroups + 12 * (g & 1) * unit + 2 * lane, unit);
        }
    }

    /** The 256 quants of a block (as stored in GGUF) into {@code q}, in weight order ({@link #quant} for all). */
    private static void unpack(byte[] block, byte[] q) {
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                int qs = block[48 + 32 * c + l] & 0xFF;
                int qh = block[16 + l] & 0xFF;
                q[64 * c + l] = (byte) ((qs & 0xF) | ((qh >> (2 * c)) & 1) << 4);
                q[64 * c + 32 + l] = (byte) ((qs >> 4) | ((qh >> (2 * c + 1)) & 1) << 4);
            }
        }
    }

    /**
     * The 11 words of the group whose quants start at {@code q[g]} to {@code stage[at + k·unit]}: {@link #slotWeight}'s
     * slots written out (its loop over the slots, with their branch, packed a 14336 x 4096 Q5_K matrix in 133 ms
     * against 115, Q5_0 in 125 against 105: {@code PackBench}); a slot placed elsewhere fails {@code PackedKernelTest}.
     */
    static void stageWords(byte[] q, int g, byte[] stage, int at, int unit) {
        for (int k = 0; k < 8; k++) {
            Packing.putShort(stage, at + k * unit, q[g + 2 * k] | q[g + 2 * k + 1] << 5 | q[g + 16 + k] << 10);
        }
        for (int k = 8; k < 10; k++) {
            Packing.putShort(stage, at + k * unit, q[g + 10 + 2 * k] | q[g + 11 + 2 * k] << 5 | q[g + 16 + k] << 10);
        }
        Packing.putShort(stage, at + 10 * unit, q[g + 30] | q[g + 31] << 5);
    }

    // Split like Q4_KPacked: no vector crosses a method boundary (see the note there).

    @Override
    public boolean decodes() {
        return true;
    }

    @Override
    public void decodeGroup(PackedMatrix w, int g, int firstBlock, int blocks, float[] panel) {
        MemorySegment m = w.data();
        long o = w.groupOffset(g, firstBlock);
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES) {
            for (int i = 0; i < 8; i++) {
                decodeWeightGroup(m, o, i, panel, (256 * b + 32 * i) * R);
            }
        }
    }

    /**
     * Weight group i (32 columns) of the group-block whose first unit is at o, into {@code panel[at + j·R + r]}:
     * {@code q·(d·sc) + (-dmin·m)} per weight, as {@link dev.kiln.cpu.quant.Q5_K}'s decode computes it. A slot of the
     * int view of a word, shifted and masked, gives rows 0..H-1 (low halves) or H..R-1 (high halves) as ints.
     */
    private static void decodeWeightGroup(MemorySegment m, long o, int i, float[] panel, int at) {
        FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2L * D, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE);
        FloatVector n0 = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE).neg();
        FloatVector n1 = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2L * UNIT, LE).neg();
        long two = o + 2L * TWO_GROUPS * (i >> 1);
        long sc = two + 2L * SC + (long) R * (i & 1);
        long mins = o + 2L * (MIN + UNIT * (i >> 1)) + (long) R * (i & 1);
        FloatVector s0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, sc, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector s1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, sc + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector m0 = n0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector m1 = n1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        long words = two + 2L * SECOND * (i & 1);
        for (int k = 0; k < 11; k++) {
            IntVector v = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k, LE);
            int p = at + slotWeight(k, 0) * R; // slots 0 and 1: consecutive weights
            ((FloatVector) v.and(31).convert(VectorOperators.I2F, 0)).fma(s0, m0).intoArray(panel, p);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 16).and(31).convert(VectorOperators.I2F, 0)).fma(s1, m1)
                    .intoArray(panel, p + HALF);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 5).and(31).convert(VectorOperators.I2F, 0)).fma(s0, m0)
                    .intoArray(panel, p + R);
            ((FloatVector) v.lanewise(VectorOperators.LSHR, 21).and(31).convert(VectorOperators.I2F, 0)).fma(s1, m1)
                    .intoArray(panel, p + R + HALF);
            if (k < 10) { // slot 2: weight 16 + k
                p = at + (16 + k) * R;
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 10).and(31).convert(VectorOperators.I2F, 0)).fma(s0, m0)
                        .intoArray(panel, p);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 26).and(31).convert(VectorOperators.I2F, 0)).fma(s1, m1)
                        .intoArray(panel, p + HALF);
            }
        }
    }

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        int[] is = new int[2 * R]; // [group g, group g+1][R] scale-weighted integer sums of one block
        long o = w.pairOffset(g >> 1);
        long p = o + UNIT;
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumPair(w.data(), o, p, x.q, x.sums, xb, is);
            finish(w.data(), o, is, 0, x, xb, out, outOffset, b == 0);
            finish(w.data(), p, is, R, x, xb, out, outOffset + R, b == 0);
        }
    }

    @Override
    public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride) {
        if (NARROW) { // the batch kernel works on pairs (see multiplyQuadPair): compute g's pair, keep g's rows
            float[] pair = new float[Q8Activations.TOKEN_BLOCK * 2 * R]; // [token t..t+3][group g & ~1, g | 1][R]
            multiplyQuadPair(w, g & ~1, x, t, pair, 0, 2 * R);
            for (int j = 0; j < Q8Activations.TOKEN_BLOCK; j++) {
                System.arraycopy(pair, j * 2 * R + (g & 1) * R, out, outOffset + j * outStride, R);
            }
            return;
        }
        int cols = w.cols();
        int[] is = new int[4 * R]; // [token t..t+3][R]
        long o = w.pairOffset(g >> 1) + (g & 1) * UNIT; // this group's units of the pair's blocks
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            sumQuad(w.data(), o, x.q, x.sums, xb, cols, is);
            for (int j = 0; j < 4; j++) {
                finish(w.data(), o, is, j * R, x, xb + j * cols, out, outOffset + j * outStride, b == 0);
            }
        }
    }

    /** At 256 bits (see {@link #firstHalves}); 512- and 128-bit vectors keep two group-by-group quads. */
    @Override
    public boolean batchesPairs() {
        return NARROW;
    }

    @Override
    public void multiplyQuadPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset,
                                 int outStride) {
        if (!NARROW) {
            PackedKernel.super.multiplyQuadPair(w, g, x, t, out, outOffset, outStride);
            return;
        }
        int cols = w.cols();
        int[] is = new int[8 * R]; // [group g, g+1][token t..t+3][R]
        float[] minima = new float[8 * 2 * R]; // [group of weights][row group g, g+1][R] of one block
        short[] halves = new short[8 * R]; // [row group g, g+1][token t..t+3][R] one group's centred half sums
        long o = w.pairOffset(g >> 1);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            Arrays.fill(is, 0);
            firstHalves(w.data(), o, x.q, xb, cols, x.sums, halves, is);
            secondHalves(w.data(), o, x.q, xb, cols, x.sums, halves, is);
            finishQuadPair(w.data(), o, is, minima, x, xb, cols, out, outOffset, outStride, b == 0);
        }
    }

    /** is[0..R) = Σ_g sc_g Σ_{i∈g} q_i x_i of one block for the group at o, is[R..2R) for the group at p. */
    private static void sumPair(MemorySegment m, long o, long p, short[] xq, int[] sums, int xb, int[] is) {
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int g = 0; g < 8; g++) {
            long two = 2L * TWO_GROUPS * (g >> 1);
            long base = two + 2L * SECOND * (g & 1);
            int xg = xb + 32 * g;
            int sb = xg / Q8Activations.SUM_LENGTH;
            ShortVector a0 = ShortVector.broadcast(S, (short) (-16 * sums[sb]));
            ShortVector a1 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 1]));
            ShortVector b0 = a0, b1 = a1;
            for (int k = 0; k < 8; k++) {
                short x0 = xq[xg + 2 * k], x1 = xq[xg + 2 * k + 1], x2 = xq[xg + 16 + k];
                IntVector v = IntVector.fromMemorySegment(I, m, o + base + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, p + base + 2L * UNIT * k, LE);
                a0 = a0.add(v.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                a1 = a1.add(v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                b0 = b0.add(u.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                b1 = b1.add(u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
            }
            for (int k = 8; k < 11; k++) {
                short x0 = xq[xg + 10 + 2 * k], x1 = xq[xg + 11 + 2 * k];
                IntVector v = IntVector.fromMemorySegment(I, m, o + base + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, p + base + 2L * UNIT * k, LE);
                a1 = a1.add(v.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                b1 = b1.add(u.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                if (k < 10) {
                    short x2 = xq[xg + 16 + k];
                    a1 = a1.add(v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                    b1 = b1.add(u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                }
            }
            IntVector back = IntVector.broadcast(I, 16 * (sums[sb] + sums[sb + 1]));
            ByteVector scA = ByteVector.fromMemorySegment(B, m, o + two + 2L * SC + (long) R * (g & 1), LE);
            ByteVector scB = ByteVector.fromMemorySegment(B, m, p + two + 2L * SC + (long) R * (g & 1), LE);
            IntVector sa0 = (IntVector) scA.convertShape(VectorOperators.B2I, I, 0);
            IntVector sa1 = (IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, o + two + 2L * SC + (long) R * (g & 1) + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : scA.convertShape(VectorOperators.B2I, I, 1));
            IntVector sb0 = (IntVector) scB.convertShape(VectorOperators.B2I, I, 0);
            IntVector sb1 = (IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, p + two + 2L * SC + (long) R * (g & 1) + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : scB.convertShape(VectorOperators.B2I, I, 1));
            IntVector a0i = a0.reinterpretAsInts(), a1i = a1.reinterpretAsInts();
            IntVector b0i = b0.reinterpretAsInts(), b1i = b1.reinterpretAsInts();
            ia0 = ia0.add(a0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(a1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back).mul(sa0));
            ia1 = ia1.add(a0i.lanewise(VectorOperators.ASHR, 16).add(a1i.lanewise(VectorOperators.ASHR, 16)).add(back).mul(sa1));
            ib0 = ib0.add(b0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(b1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back).mul(sb0));
            ib1 = ib1.add(b0i.lanewise(VectorOperators.ASHR, 16).add(b1i.lanewise(VectorOperators.ASHR, 16)).add(back).mul(sb1));
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /**
     * is[j·R .. (j+1)·R) = the block sums of the group at o for token j (activations at xb + j·cols): the batch kernel
     * of 512- and 128-bit vectors (256-bit ones take {@link #firstHalves} and {@link #secondHalves}).
     */
    private static void sumQuad(MemorySegment m, long o, short[] xq, int[] sums, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int step = cols / Q8Activations.SUM_LENGTH;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int g = 0; g < 8; g++) {
            long two = o + 2L * TWO_GROUPS * (g >> 1);
            long base = two + 2L * SECOND * (g & 1);
            int xg = 32 * g;
            int sb = (xb + xg) / Q8Activations.SUM_LENGTH;
            // [token][first or second 16 of the group]
            ShortVector l0 = ShortVector.broadcast(S, (short) (-16 * sums[sb]));
            ShortVector h0 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 1]));
            ShortVector l1 = ShortVector.broadcast(S, (short) (-16 * sums[sb + step]));
            ShortVector h1 = ShortVector.broadcast(S, (short) (-16 * sums[sb + step + 1]));
            ShortVector l2 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 2 * step]));
            ShortVector h2 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 2 * step + 1]));
            ShortVector l3 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 3 * step]));
            ShortVector h3 = ShortVector.broadcast(S, (short) (-16 * sums[sb + 3 * step + 1]));
            for (int k = 0; k < 8; k++) {
                IntVector v = IntVector.fromMemorySegment(I, m, base + 2L * UNIT * k, LE);
                ShortVector q0 = v.and(SLOT).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                int i0 = xg + 2 * k, i2 = xg + 16 + k;
                l0 = l0.add(q0.mul(xq[x0 + i0])).add(q1.mul(xq[x0 + i0 + 1]));
                h0 = h0.add(q2.mul(xq[x0 + i2]));
                l1 = l1.add(q0.mul(xq[x1 + i0])).add(q1.mul(xq[x1 + i0 + 1]));
                h1 = h1.add(q2.mul(xq[x1 + i2]));
                l2 = l2.add(q0.mul(xq[x2 + i0])).add(q1.mul(xq[x2 + i0 + 1]));
                h2 = h2.add(q2.mul(xq[x2 + i2]));
                l3 = l3.add(q0.mul(xq[x3 + i0])).add(q1.mul(xq[x3 + i0 + 1]));
                h3 = h3.add(q2.mul(xq[x3 + i2]));
            }
            for (int k = 8; k < 11; k++) {
                IntVector v = IntVector.fromMemorySegment(I, m, base + 2L * UNIT * k, LE);
                ShortVector q0 = v.and(SLOT).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                int i0 = xg + 10 + 2 * k;
                h0 = h0.add(q0.mul(xq[x0 + i0])).add(q1.mul(xq[x0 + i0 + 1]));
                h1 = h1.add(q0.mul(xq[x1 + i0])).add(q1.mul(xq[x1 + i0 + 1]));
                h2 = h2.add(q0.mul(xq[x2 + i0])).add(q1.mul(xq[x2 + i0 + 1]));
                h3 = h3.add(q0.mul(xq[x3 + i0])).add(q1.mul(xq[x3 + i0 + 1]));
                if (k < 10) {
                    ShortVector q2 = v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                    int i2 = xg + 16 + k;
                    h0 = h0.add(q2.mul(xq[x0 + i2]));
                    h1 = h1.add(q2.mul(xq[x1 + i2]));
                    h2 = h2.add(q2.mul(xq[x2 + i2]));
                    h3 = h3.add(q2.mul(xq[x3 + i2]));
                }
            }
            ByteVector sv = ByteVector.fromMemorySegment(B, m, two + 2L * SC + (long) R * (g & 1), LE);
            IntVector s0 = (IntVector) sv.convertShape(VectorOperators.B2I, I, 0);
            IntVector s1 = (IntVector) sv.convertShape(VectorOperators.B2I, I, 1); // 512 or 128 bits only
            IntVector l0i = l0.reinterpretAsInts(), h0i = h0.reinterpretAsInts(), l1i = l1.reinterpretAsInts(), h1i = h1.reinterpretAsInts();
            IntVector l2i = l2.reinterpretAsInts(), h2i = h2.reinterpretAsInts(), l3i = l3.reinterpretAsInts(), h3i = h3.reinterpretAsInts();
            int back0 = 16 * (sums[sb] + sums[sb + 1]), back1 = 16 * (sums[sb + step] + sums[sb + step + 1]);
            int back2 = 16 * (sums[sb + 2 * step] + sums[sb + 2 * step + 1]), back3 = 16 * (sums[sb + 3 * step] + sums[sb + 3 * step + 1]);
            i00 = i00.add(l0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back0).mul(s0));
            i01 = i01.add(l0i.lanewise(VectorOperators.ASHR, 16).add(h0i.lanewise(VectorOperators.ASHR, 16)).add(back0).mul(s1));
            i10 = i10.add(l1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back1).mul(s0));
            i11 = i11.add(l1i.lanewise(VectorOperators.ASHR, 16).add(h1i.lanewise(VectorOperators.ASHR, 16)).add(back1).mul(s1));
            i20 = i20.add(l2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back2).mul(s0));
            i21 = i21.add(l2i.lanewise(VectorOperators.ASHR, 16).add(h2i.lanewise(VectorOperators.ASHR, 16)).add(back2).mul(s1));
            i30 = i30.add(l3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back3).mul(s0));
            i31 = i31.add(l3i.lanewise(VectorOperators.ASHR, 16).add(h3i.lanewise(VectorOperators.ASHR, 16)).add(back3).mul(s1));
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
     * The first 16 weights of each of a block's eight groups, for both row groups of a pair (o: the pair's block) and
     * four tokens (activations at xb + j·cols), at 256 bits: adds {@code sc_g · Σ_{i<16} q_i x_i} to is (row group g's
     * sums for token j at is[j·R ..], g+1's at is[(4 + j)·R ..]); {@link #secondHalves} adds the other 16. As Q4_K's
     * pair kernel ({@link Q4_KPacked}): each activation broadcast serves both row groups, and the int sums stay in
     * memory, so that eight 16-bit accumulators (four tokens, two row groups) and a step's quants fit AVX2's sixteen
     * vector registers. A group's two halves are summed in two passes (a lane holds at most 16 products, see the class
     * comment, and both halves at once would take sixteen accumulators), each leaving its sums in {@code halves} for
     * {@link #addHalves}. Against the group-by-group kernel ({@link #sumQuad}, sixteen accumulators: both halves of four
     * tokens and their int sums) on one core, Zen 3, 2048 x 2048, in one process alternating the two: 22.3 against
     * 17.0 G multiply-adds/s at 64 tokens and 21.8 against 18.5 at 8 (medians; the rounds of both varied from 11 to 22
     * between processes and from round to round). That kernel with its int sums in memory instead gave the noise: the
     * gain is the shared broadcasts and the eight accumulators. In the model (tinyllama shape, Q5_K_M, pp64, two
     * threads, {@code kiln bench --profile}) the Q5_K products ran at 39.5-40.6 against 30.7-31.8.
     */
    private static void firstHalves(MemorySegment m, long o, short[] xq, int xb, int cols, int[] sums, short[] halves,
                                    int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int step = cols / Q8Activations.SUM_LENGTH;
        for (int g = 0; g < 8; g++) {
            long two = o + 2L * TWO_GROUPS * (g >> 1);
            long words = two + 2L * SECOND * (g & 1); // word k of row group g at words + 2·UNIT·k, of g+1 a unit on
            int xg = 32 * g;
            int s0 = xb / Q8Activations.SUM_LENGTH + 2 * g;
            int b0 = 16 * sums[s0], b1 = 16 * sums[s0 + step], b2 = 16 * sums[s0 + 2 * step], b3 = 16 * sums[s0 + 3 * step];
            // half a group per lane, centred (see the class comment): row group g (a) and g+1 (e), tokens 0..3
            ShortVector a0 = ShortVector.broadcast(S, (short) -b0), a1 = ShortVector.broadcast(S, (short) -b1);
            ShortVector a2 = ShortVector.broadcast(S, (short) -b2), a3 = ShortVector.broadcast(S, (short) -b3);
            ShortVector e0 = a0, e1 = a1, e2 = a2, e3 = a3;
            for (int k = 0; k < 8; k++) { // slots 0 and 1 of words 0..7: weights 2k, 2k + 1
                IntVector v = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k + UNIT, LE);
                ShortVector q0 = v.and(SLOT).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                ShortVector r0 = u.and(SLOT).reinterpretAsShorts();
                ShortVector r1 = u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                int i = xg + 2 * k;
                short y0 = xq[x0 + i], y1 = xq[x0 + i + 1];
                a0 = a0.add(q0.mul(y0)).add(q1.mul(y1));
                e0 = e0.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x1 + i];
                y1 = xq[x1 + i + 1];
                a1 = a1.add(q0.mul(y0)).add(q1.mul(y1));
                e1 = e1.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x2 + i];
                y1 = xq[x2 + i + 1];
                a2 = a2.add(q0.mul(y0)).add(q1.mul(y1));
                e2 = e2.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x3 + i];
                y1 = xq[x3 + i + 1];
                a3 = a3.add(q0.mul(y0)).add(q1.mul(y1));
                e3 = e3.add(r0.mul(y0)).add(r1.mul(y1));
            }
            a0.intoArray(halves, 0);
            a1.intoArray(halves, R);
            a2.intoArray(halves, 2 * R);
            a3.intoArray(halves, 3 * R);
            e0.intoArray(halves, 4 * R);
            e1.intoArray(halves, 5 * R);
            e2.intoArray(halves, 6 * R);
            e3.intoArray(halves, 7 * R);
            addHalves(m, two + 2L * SC + (long) R * (g & 1), halves, is, b0, b1, b2, b3);
        }
    }

    /** The other half of {@link #firstHalves}: weights 16..31 of each group (slot 2 of words 0..9, words 8..10). */
    private static void secondHalves(MemorySegment m, long o, short[] xq, int xb, int cols, int[] sums, short[] halves,
                                     int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int step = cols / Q8Activations.SUM_LENGTH;
        for (int g = 0; g < 8; g++) {
            long two = o + 2L * TWO_GROUPS * (g >> 1);
            long words = two + 2L * SECOND * (g & 1); // word k of row group g at words + 2·UNIT·k, of g+1 a unit on
            int xg = 32 * g;
            int s0 = xb / Q8Activations.SUM_LENGTH + 2 * g + 1;
            int b0 = 16 * sums[s0], b1 = 16 * sums[s0 + step], b2 = 16 * sums[s0 + 2 * step], b3 = 16 * sums[s0 + 3 * step];
            // half a group per lane, centred (see the class comment): row group g (a) and g+1 (e), tokens 0..3
            ShortVector a0 = ShortVector.broadcast(S, (short) -b0), a1 = ShortVector.broadcast(S, (short) -b1);
            ShortVector a2 = ShortVector.broadcast(S, (short) -b2), a3 = ShortVector.broadcast(S, (short) -b3);
            ShortVector e0 = a0, e1 = a1, e2 = a2, e3 = a3;
            for (int k = 0; k < 8; k++) { // slot 2 of words 0..7: weight 16 + k
                IntVector v = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k + UNIT, LE);
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                ShortVector r2 = u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                int i2 = xg + 16 + k; // (word 10's slot 2 holds no weight: zero, whatever it multiplies)
                short y = xq[x0 + i2];
                a0 = a0.add(q2.mul(y));
                e0 = e0.add(r2.mul(y));
                y = xq[x1 + i2];
                a1 = a1.add(q2.mul(y));
                e1 = e1.add(r2.mul(y));
                y = xq[x2 + i2];
                a2 = a2.add(q2.mul(y));
                e2 = e2.add(r2.mul(y));
                y = xq[x3 + i2];
                a3 = a3.add(q2.mul(y));
                e3 = e3.add(r2.mul(y));
            }
            for (int k = 8; k < 11; k++) { // words 8..10: weights 10 + 2k, 11 + 2k and (k < 10) 16 + k
                IntVector v = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k + UNIT, LE);
                ShortVector q0 = v.and(SLOT).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                ShortVector r0 = u.and(SLOT).reinterpretAsShorts();
                ShortVector r1 = u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts();
                int i = xg + 10 + 2 * k;
                short y0 = xq[x0 + i], y1 = xq[x0 + i + 1];
                a0 = a0.add(q0.mul(y0)).add(q1.mul(y1));
                e0 = e0.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x1 + i];
                y1 = xq[x1 + i + 1];
                a1 = a1.add(q0.mul(y0)).add(q1.mul(y1));
                e1 = e1.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x2 + i];
                y1 = xq[x2 + i + 1];
                a2 = a2.add(q0.mul(y0)).add(q1.mul(y1));
                e2 = e2.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x3 + i];
                y1 = xq[x3 + i + 1];
                a3 = a3.add(q0.mul(y0)).add(q1.mul(y1));
                e3 = e3.add(r0.mul(y0)).add(r1.mul(y1));
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                ShortVector r2 = u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts();
                int i2 = xg + 16 + k; // (word 10's slot 2 holds no weight: zero, whatever it multiplies)
                short y = xq[x0 + i2];
                a0 = a0.add(q2.mul(y));
                e0 = e0.add(r2.mul(y));
                y = xq[x1 + i2];
                a1 = a1.add(q2.mul(y));
                e1 = e1.add(r2.mul(y));
                y = xq[x2 + i2];
                a2 = a2.add(q2.mul(y));
                e2 = e2.add(r2.mul(y));
                y = xq[x3 + i2];
                a3 = a3.add(q2.mul(y));
                e3 = e3.add(r2.mul(y));
            }
            a0.intoArray(halves, 0);
            a1.intoArray(halves, R);
            a2.intoArray(halves, 2 * R);
            a3.intoArray(halves, 3 * R);
            e0.intoArray(halves, 4 * R);
            e1.intoArray(halves, 5 * R);
            e2.intoArray(halves, 6 * R);
            e3.intoArray(halves, 7 * R);
            addHalves(m, two + 2L * SC + (long) R * (g & 1), halves, is, b0, b1, b2, b3);
        }
    }

    /**
     * Adds one group's half sums, which {@link #firstHalves} and {@link #secondHalves} leave in {@code halves}
     * ([row group g, g+1][token 0..3][R] 16-bit sums centred by {@code -b_j}), to is: widened by shifts (rows alternate
     * between the halves of an int lane, see the class comment), {@code b_j} added back, times the group's scales (at
     * sc: rows 0..H-1 and H..R-1 of row group g, then a unit on those of g+1). A method of its own, so that the two
     * passes stay small: with this step written into each, C2 stopped inlining the vector operations of the larger one
     * part of the time (past {@code NodeCountInliningCutoff}, which a pass's profile moves), and a process ran its
     * prompts at 0.6 instead of 40 t/s (a Q5_K_M file; its stack showed {@code VectorSupport.binaryOp} called, not
     * intrinsified, in {@code secondHalves}). Written out, as Q4_K's group epilogue: as a loop over the two row groups
     * and four tokens, reading {@code b_j} from the sums itself, the kernel ran 3-4% slower (one core, 2048 x 2048,
     * paired 0.957 at 64 tokens and 0.969 at 8).
     */
    private static void addHalves(MemorySegment m, long sc, short[] halves, int[] is, int b0, int b1, int b2, int b3) {
        IntVector sa0 = (IntVector) ByteVector.fromMemorySegment(BQ, m, sc, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector sa1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, sc + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector sb0 = (IntVector) ByteVector.fromMemorySegment(BQ, m, sc + UNIT, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector sb1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, sc + UNIT + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
        IntVector a = ShortVector.fromArray(S, halves, 0).reinterpretAsInts();
        IntVector.fromArray(I, is, 0).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b0).mul(sa0)).intoArray(is, 0);
        IntVector.fromArray(I, is, 0 + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b0).mul(sa1))
                .intoArray(is, 0 + HALF);
        a = ShortVector.fromArray(S, halves, R).reinterpretAsInts();
        IntVector.fromArray(I, is, R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b1).mul(sa0)).intoArray(is, R);
        IntVector.fromArray(I, is, R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b1).mul(sa1))
                .intoArray(is, R + HALF);
        a = ShortVector.fromArray(S, halves, 2 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 2 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b2).mul(sa0)).intoArray(is, 2 * R);
        IntVector.fromArray(I, is, 2 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b2).mul(sa1))
                .intoArray(is, 2 * R + HALF);
        a = ShortVector.fromArray(S, halves, 3 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 3 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b3).mul(sa0)).intoArray(is, 3 * R);
        IntVector.fromArray(I, is, 3 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b3).mul(sa1))
                .intoArray(is, 3 * R + HALF);
        a = ShortVector.fromArray(S, halves, 4 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 4 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b0).mul(sb0)).intoArray(is, 4 * R);
        IntVector.fromArray(I, is, 4 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b0).mul(sb1))
                .intoArray(is, 4 * R + HALF);
        a = ShortVector.fromArray(S, halves, 5 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 5 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b1).mul(sb0)).intoArray(is, 5 * R);
        IntVector.fromArray(I, is, 5 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b1).mul(sb1))
                .intoArray(is, 5 * R + HALF);
        a = ShortVector.fromArray(S, halves, 6 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 6 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b2).mul(sb0)).intoArray(is, 6 * R);
        IntVector.fromArray(I, is, 6 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b2).mul(sb1))
                .intoArray(is, 6 * R + HALF);
        a = ShortVector.fromArray(S, halves, 7 * R).reinterpretAsInts();
        IntVector.fromArray(I, is, 7 * R).add(a.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(b3).mul(sb0)).intoArray(is, 7 * R);
        IntVector.fromArray(I, is, 7 * R + HALF).add(a.lanewise(VectorOperators.ASHR, 16).add(b3).mul(sb1))
                .intoArray(is, 7 * R + HALF);
    }

    /**
     * The float totals of {@link #firstHalves}' pair (the same as {@link Q4_KPacked}'s {@code finishQuadPair}: the
     * minimums, d and dmin lie at the same places relative to MIN, D and DMIN; a helper shared by the two classes
     * could not have each hidden copy's species, see {@link dev.kiln.cpu.simd.Specialiser}; keep the two in step): the
     * minimums of the block's eight groups widened to floats once for the four tokens, then per token
     * {@code Σ_g m_g·bsum_g} by eight multiply-adds per eight rows, and
     * {@code out = (is·(d·dx) + out) + Σ m·bsum · (dmin·-dx)}, as {@link #finish}.
     */
    private static void finishQuadPair(MemorySegment m, long o, int[] is, float[] minima, Q8Activations x, int xb,
                                       int cols, float[] out, int at, int stride, boolean first) {
        int l = F.length(); // 8 rows: a quarter of the pair's rows
        for (int g = 0; g < 8; g++) {
            long mins = o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1); // row group g's; g+1's a unit on
            ((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins, LE).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(minima, 4 * g * l);
            ((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + HALF, LE).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(minima, (4 * g + 1) * l);
            ((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + UNIT, LE).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(minima, (4 * g + 2) * l);
            ((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + UNIT + HALF, LE).convertShape(VectorOperators.B2F, F, 0))
                    .intoArray(minima, (4 * g + 3) * l);
        }
        float[] groupSums = x.groupSums;
        int groupStep = cols / Q8Activations.GROUP_LENGTH, blockStep = cols / 256;
        int gj = xb / Q8Activations.GROUP_LENGTH, bj = xb / 256;
        for (int j = 0, oj = at; j < Q8Activations.TOKEN_BLOCK; j++, gj += groupStep, bj += blockStep, oj += stride) {
            // [rows 0..H-1, H..R-1 of row group g, the same of g+1] Σ_g m_g·bsum_g: exact in floats (integers of at
            // most 8 · 63 · 4064 < 2^24 in magnitude)
            FloatVector m0 = FloatVector.zero(F), m1 = m0, m2 = m0, m3 = m0;
            for (int g = 0; g < 8; g++) {
                FloatVector bsum = FloatVector.broadcast(F, groupSums[gj + g]);
                m0 = FloatVector.fromArray(F, minima, 4 * g * l).fma(bsum, m0);
                m1 = FloatVector.fromArray(F, minima, (4 * g + 1) * l).fma(bsum, m1);
                m2 = FloatVector.fromArray(F, minima, (4 * g + 2) * l).fma(bsum, m2);
                m3 = FloatVector.fromArray(F, minima, (4 * g + 3) * l).fma(bsum, m3);
            }
            float dx = x.d[bj];
            int isj = j * R;
            // as finish: out = (is·(d·dx) + out) + Σ m·bsum · (dmin·-dx), per eight rows
            m0.fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE).mul(-dx),
                    ((FloatVector) IntVector.fromArray(I, is, isj).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D, LE).mul(dx),
                                    first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, oj)))
                    .intoArray(out, oj);
            m1.fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2L * UNIT, LE).mul(-dx),
                    ((FloatVector) IntVector.fromArray(I, is, isj + HALF).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE).mul(dx),
                                    first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, oj + HALF)))
                    .intoArray(out, oj + HALF);
            m2.fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * DMIN, LE).mul(-dx),
                    ((FloatVector) IntVector.fromArray(I, is, 4 * R + isj).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * D, LE).mul(dx),
                                    first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, oj + R)))
                    .intoArray(out, oj + R);
            m3.fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * DMIN + 2L * UNIT, LE).mul(-dx),
                    ((FloatVector) IntVector.fromArray(I, is, 4 * R + isj + HALF).convert(VectorOperators.I2F, 0))
                            .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * D + 2L * UNIT, LE).mul(dx),
                                    first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, oj + R + HALF)))
                    .intoArray(out, oj + R + HALF);
        }
    }

    /**
     * Adds one block to the float totals of the R rows of the group at o for one token (activations from xb):
     * {@code out[at + r] = (first ? 0 : out[at + r]) + is[r]·(d·dx) + (Σ_g m_g·bsum_g)·(dmin·-dx)}, two fused
     * multiply-adds in that order, as {@link #reference}.
     */
    private static void finish(MemorySegment m, long o, int[] is, int isOffset, Q8Activations x, int xb, float[] out,
                               int at, boolean first) {
        float dx = x.d[xb / 256];
        int sb = xb / Q8Activations.SUM_LENGTH;
        int[] sums = x.sums;
        IntVector im0 = IntVector.zero(I), im1 = IntVector.zero(I); // rows 0..H-1, H..R-1
        for (int g = 0; g < 8; g++) {
            ByteVector mins = ByteVector.fromMemorySegment(B, m, o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1), LE);
            int sum = sums[sb + 2 * g] + sums[sb + 2 * g + 1];
            im0 = im0.add(((IntVector) mins.convertShape(VectorOperators.B2I, I, 0)).mul(sum));
            im1 = im1.add(((IntVector) (NARROW // see BQ
                    ? ByteVector.fromMemorySegment(BQ, m, o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1) + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
                    : mins.convertShape(VectorOperators.B2I, I, 1))).mul(sum));
        }
        FloatVector tot0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at);
        FloatVector tot1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + HALF);
        tot0 = ((FloatVector) IntVector.fromArray(I, is, isOffset).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D, LE).mul(dx), tot0);
        tot1 = ((FloatVector) IntVector.fromArray(I, is, isOffset + HALF).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D + 2 * UNIT, LE).mul(dx), tot1);
        ((FloatVector) im0.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE).mul(-dx), tot0)
                .intoArray(out, at);
        ((FloatVector) im1.convert(VectorOperators.I2F, 0)).fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2 * UNIT, LE).mul(-dx), tot1)
                .intoArray(out, at + HALF);
    }

    @Override
    public float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t) {
        float tot = 0f;
        for (int b = 0; b < cols / 256; b++) {
            long in = rowOffset + 176L * b;
            int xb = t * cols + 256 * b;
            long scales = Q4_K.packedScales(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
            long mins = Q4_K.packedMins(Bytes.i64(src, in + 4), Bytes.i32(src, in + 12));
            int is = 0;
            int im = 0;
            for (int grp = 0; grp < 8; grp++) {
                int s = 0;
                for (int l = 0; l < 32; l++) {
                    s += quant(src, in, 32 * grp + l) * x.q[xb + 32 * grp + l];
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
