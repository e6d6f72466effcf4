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
import java.util.Arrays;

/**
 * Q6_K rows interleaved by R = short lanes per vector. GGUF block: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * i8 scales[16] (groups of 16), f16 d; w = d * sc * (q - 32) (see {@link dev.kiln.cpu.quant.Q6_K}). The 6-bit quants
 * are unpacked at load to signed bytes q - 32 (8 bits per weight instead of 6.5625: the price of a one-instruction
 * unpack), a quant's R bytes side by side, so that one load and one sign-extending conversion give its R shorts
 * (16-bit shifts cost C2 a {@code vmovd} each: see {@link Q8_0Packed}). A group-block (R rows x 256 weights):
 * <pre>
 * per pair of groups 2i, 2i+1, in this order (17 vectors):
 *   sc    [2][R]          byte: signed scale of group 2i (then 2i+1), row r
 *   q     [16][R]         byte: q - 32 of weight 32i + j (j = 0..15) of row r (signed)
 *   q     [16][R]         weights 32i + 16 + j
 *                         (at 256 bits row r's quants are in lane {@link Q8_0Packed#lane}(r): see NARROW)
 * d       [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes: two quants, or the scales of two groups), in the order
 * the decode kernel reads them; the group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}), so byte F
 * of group j's block is at 2F + j·2R of the pair's block and the decode kernel reads one gapless stream.
 * Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} (q_i - 32) x_i}; products are at most 32 · 127, so the 8
 * even (and 8 odd) products of a group add up in a 16-bit lane.
 */
public final class Q6_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** One byte per row of a group: half the vector's bits. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** A quarter of a vector of bytes: the scales of a group's upper half of rows (see {@link #NARROW}). */
    private static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /**
     * With 256-bit vectors (AVX2) a group's rows alternate between its halves in the quants' lanes (rows 0, H, 1,
     * H+1, ...: {@link Q8_0Packed#lane}; scales and d stay in row order), so that the kernels widen their 16-bit sums
     * by shifts of the int view, and load the upper half's scales a quarter vector at a time, where
     * {@code convertShape(..., 1)} compiles there into a slice of shuffles and blends (see {@link Q4_KPacked}); the
     * batch kernel also keeps its int sums in memory ({@link #sumQuadNarrow}). One core, Zen 3, 2048 x 2048, five
     * alternating processes (medians): the batch kernel 19.2 against 14.1 G multiply-adds/s at 64 tokens, the decode
     * kernel (which went through memory before) 12.4 against 11.5.
     */
    private static final boolean NARROW = F.vectorBitSize() == 256;
    /** Half a vector of shorts: one quant's R bytes at 256 bits, rows i and H+i in short i (see {@link #NARROW}). */
    private static final VectorSpecies<Short> SH = VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** Bytes of two groups: their scales, then 16 units of quants. */
    private static final int TWO_GROUPS = 17 * UNIT;
    private static final int D = 8 * TWO_GROUPS;
    private static final int BLOCK_BYTES = D + 4 * R;
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
        int unit = 2 * groupRows;
        int bb = blockBytes(groupRows);
        byte[] block = new byte[210];  // one GGUF block of one row
        byte[] stage = new byte[bb];   // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 256; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 210L * b, block, 0, 210);
                stageRow(block, stage, r, groupRows);
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
    }

    // The packing is split into small methods, as Q4_KPacked's is. Each quant is written straight to its place, where
    // the quants were unpacked to an array first and then placed through a table of offsets: one core (Zen 3) packed a
    // 14336 x 4096 matrix in 100 ms against 177.

    /** Row r's fields of one block ({@code block}, as stored in GGUF) at their offsets in {@code stage}. */
    private static void stageRow(byte[] block, byte[] stage, int r, int groupRows) {
        int unit = 2 * groupRows;
        int twoGroups = 17 * unit, d = 8 * twoGroups; // the offsets of the class comment, for groupRows rows
        Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 208));
        for (int g = 0; g < 16; g++) {
            stage[(g >> 1) * twoGroups + (g & 1) * groupRows + r] = block[192 + g];
        }
        int lane = NARROW ? Q8_0Packed.lane(r, groupRows) : r; // see NARROW
        // weight i = 128h + 32m + l (l = 16s + 2k + e) is quant 2k + e of group 8h + 2m + s: unit 1 + 8s + k of the
        // two groups 4h + m, byte half e
        for (int h = 0; h < 2; h++) {
            for (int s = 0; s < 2; s++) {
                int at = 4 * h * twoGroups + (1 + 8 * s) * unit + lane;
                for (int k = 0; k < 8; k++) {
                    stageQuants(block, 64 * h + 16 * s + 2 * k, stage, at + k * unit, twoGroups);
                    stageQuants(block, 64 * h + 16 * s + 2 * k + 1, stage, at + k * unit + groupRows, twoGroups);
                }
            }
        }
    }

    /**
     * The four quants whose low bits are in bytes l and l + 32 of a half's ql (at {@code ql}: 64h + l) and whose high
     * bits are in byte l of its qh, minus 32, to {@code stage[at + m·twoGroups]}, m = 0..3 (weights l, l + 32, l + 64,
     * l + 96 of the half).
     */
    private static void stageQuants(byte[] block, int ql, byte[] stage, int at, int twoGroups) {
        int lo = block[ql] & 0xFF;
        int hi = block[ql + 32] & 0xFF;
        int qh = block[128 + (ql >> 6) * 32 + (ql & 31)] & 0xFF;
        stage[at] = (byte) (((lo & 0xF) | (qh & 3) << 4) - 32);
        stage[at + twoGroups] = (byte) (((hi & 0xF) | (qh >> 2 & 3) << 4) - 32);
        stage[at + 2 * twoGroups] = (byte) (((lo >> 4) | (qh >> 4 & 3) << 4) - 32);
        stage[at + 3 * twoGroups] = (byte) (((hi >> 4) | (qh >> 6 & 3) << 4) - 32);
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
                decodeTwoGroups(m, o, i, panel, (256 * b + 32 * i) * R);
            }
        }
    }

    /**
     * Weight groups 2i and 2i+1 (32 columns) of the group-block whose first unit is at o, into
     * {@code panel[at + j·R + r]}: {@code (d·sc)·q} per weight, as {@link dev.kiln.cpu.quant.Q6_K} computes it. At 256
     * bits a quant's R bytes hold rows i and H+i side by side (see NARROW): read as shorts and widened to ints, a
     * shift pair gives rows 0..H-1 and one shift rows H..R-1; otherwise the bytes are in row order.
     */
    private static void decodeTwoGroups(MemorySegment m, long o, int i, float[] panel, int at) {
        FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2L * D, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE);
        long two = o + 2L * TWO_GROUPS * i;
        for (int h = 0; h < 2; h++) { // weight group 2i + h: its scales, then its 16 quants from unit 1 + 8h
            FloatVector s0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, two + (long) R * h, LE)
                    .convertShape(VectorOperators.B2F, F, 0));
            FloatVector s1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, two + (long) R * h + HALF, LE)
                    .convertShape(VectorOperators.B2F, F, 0));
            long quants = two + 2L * UNIT * (1 + 8 * h);
            for (int j = 0, p = at + 16 * h * R; j < 16; j++, p += R) {
                long q = quants + 2L * UNIT * (j >> 1) + (long) R * (j & 1);
                if (NARROW) {
                    IntVector v = (IntVector) ShortVector.fromMemorySegment(SH, m, q, LE)
                            .convertShape(VectorOperators.S2I, I, 0);
                    s0.mul((FloatVector) v.lanewise(VectorOperators.LSHL, 24).lanewise(VectorOperators.ASHR, 24)
                            .convert(VectorOperators.I2F, 0)).intoArray(panel, p);
                    s1.mul((FloatVector) v.lanewise(VectorOperators.ASHR, 8).convert(VectorOperators.I2F, 0))
                            .intoArray(panel, p + HALF);
                } else {
                    s0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, q, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).intoArray(panel, p);
                    s1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, q + HALF, LE)
                            .convertShape(VectorOperators.B2F, F, 0)).intoArray(panel, p + HALF);
                }
            }
        }
    }

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        int[] is = new int[2 * R]; // [group g, group g+1][R]
        long o = w.pairOffset(g >> 1);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            if (NARROW) {
                sumPairNarrow(w.data(), o, x.q, xb, is);
            } else {
                sumPair(w.data(), o, x.q, xb, is);
            }
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
            if (NARROW) {
                sumQuadNarrow(w.data(), o, x.q, xb, cols, is);
            } else {
                sumQuad(w.data(), o, x.q, xb, cols, is);
            }
            for (int j = 0; j < 4; j++) {
                finish(w.data(), o, is, j * R, x.d[(xb + j * cols) / 256], out, outOffset + j * outStride, b == 0);
            }
        }
    }

    /** The R quants {@code q - 32} at byte {@code at} of m as shorts (row r in lane r). */
    private static ShortVector quants(MemorySegment m, long at) {
        return (ShortVector) ByteVector.fromMemorySegment(B, m, at, LE).convertShape(VectorOperators.B2S, S, 0);
    }

    /**
     * is[0..R) = Σ_g sc_g Σ_{i∈g} (q_i - 32) x_i of one block for the first group of the pair block at o, is[R..2R)
     * for the second; 128- and 512-bit vectors (256: {@link #sumPairNarrow}).
     */
    private static void sumPair(MemorySegment m, long o, short[] xq, int xb, int[] is) {
        long p = o + UNIT;
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int g = 0; g < 16; g++) {
            long two = 2L * TWO_GROUPS * (g >> 1);
            ByteVector sa = ByteVector.fromMemorySegment(B, m, o + two + (long) R * (g & 1), LE);
            ByteVector sb = ByteVector.fromMemorySegment(B, m, p + two + (long) R * (g & 1), LE);
            // even (Lo) and odd (Hi) weights of the group: 8 products each fit a 16-bit lane
            ShortVector aLo = ShortVector.zero(S), aHi = ShortVector.zero(S);
            ShortVector bLo = ShortVector.zero(S), bHi = ShortVector.zero(S);
            long word = two + 2L * UNIT * (1 + 8 * (g & 1));
            int xi = xb + 16 * g;
            for (int i = 0; i < 8; i++, word += 2 * UNIT, xi += 2) {
                short x0 = xq[xi], x1 = xq[xi + 1];
                aLo = aLo.add(quants(m, o + word).mul(x0));
                aHi = aHi.add(quants(m, o + word + R).mul(x1));
                bLo = bLo.add(quants(m, p + word).mul(x0));
                bHi = bHi.add(quants(m, p + word + R).mul(x1));
            }
            ia0 = ia0.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 0)).add(aHi.convertShape(VectorOperators.S2I, I, 0))
                    .mul(sa.convertShape(VectorOperators.B2I, I, 0)));
            ib0 = ib0.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 0)).add(bHi.convertShape(VectorOperators.S2I, I, 0))
                    .mul(sb.convertShape(VectorOperators.B2I, I, 0)));
            ia1 = ia1.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 1)).add(aHi.convertShape(VectorOperators.S2I, I, 1))
                    .mul(sa.convertShape(VectorOperators.B2I, I, 1)));
            ib1 = ib1.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 1)).add(bHi.convertShape(VectorOperators.S2I, I, 1))
                    .mul(sb.convertShape(VectorOperators.B2I, I, 1)));
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /**
     * {@link #sumPair} at 256 bits ({@link #NARROW}): one loop over the block's 128 steps, which adds a group's sums to
     * the int totals after its eighth step, as {@link #sumQuadNarrow} does. As sixteen loops of eight steps (one per
     * group) each paid its own entry (range checks, a first step peeled off, the accumulators set up again): one
     * core, Zen 3, 2048 x 2048, twelve alternating rounds in one process (medians), 16.2 against 14.3 G
     * multiply-adds/s; 32768 x 2048 (beyond the caches) 13.3 against 12.2. The second group's loads are addressed from
     * the first's ({@code at + UNIT}) rather than from a second base: one general register fewer in a loop where C2
     * moves values between registers, the stack and vector registers at every step (disassembled: ~60 instructions
     * a step for 14 vector operations): 16.7 against 15.7 (twelve rounds, paired 1.05), 32768 x 2048 11.2 against 10.2.
     * The same change in Q4_K's decode kernel was slower (0.92-0.96), and a step loop written out eight times per
     * group stopped C2 inlining the vector operations (NodeCountInliningCutoff: 2.5 G/s; four per loop turn 4.1,
     * two 12.3).
     */
    private static void sumPairNarrow(MemorySegment m, long o, short[] xq, int xb, int[] is) {
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        // even (Lo) and odd (Hi) weights of the group: 8 products each fit a 16-bit lane
        ShortVector aLo = ShortVector.zero(S), aHi = aLo, bLo = aLo, bHi = aLo;
        // step k's quants: as in sumQuadNarrow, a unit per step and one more over each two groups' scales
        long word = 2L * UNIT;
        for (int k = 0; k < 128; k++, word += 2L * UNIT) { // step k: weights 2k, 2k+1 of the block (group k / 8)
            short x0 = xq[xb + 2 * k], x1 = xq[xb + 2 * k + 1];
            long at = o + word; // the second group's unit follows the first's
            aLo = aLo.add(quants(m, at).mul(x0));
            aHi = aHi.add(quants(m, at + R).mul(x1));
            bLo = bLo.add(quants(m, at + UNIT).mul(x0));
            bHi = bHi.add(quants(m, at + UNIT + R).mul(x1));
            if ((k & 7) != 7) {
                continue;
            }
            if ((k & 15) == 15) {
                word += 2L * UNIT; // over the next two groups' scales
            }
            int g = k >> 3;
            long scales = 2L * TWO_GROUPS * (g >> 1) + (long) R * (g & 1); // rows 0..H-1, then H..R-1 at + HALF
            // rows alternate between the halves (see NARROW): the int view widens them by shifts
            IntVector al = aLo.reinterpretAsInts(), ah = aHi.reinterpretAsInts();
            IntVector bl = bLo.reinterpretAsInts(), bh = bHi.reinterpretAsInts();
            ia0 = ia0.add(al.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(ah.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .mul(ByteVector.fromMemorySegment(BQ, m, o + scales, LE).convertShape(VectorOperators.B2I, I, 0)));
            ib0 = ib0.add(bl.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(bh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16))
                    .mul(ByteVector.fromMemorySegment(BQ, m, o + UNIT + scales, LE).convertShape(VectorOperators.B2I, I, 0)));
            ia1 = ia1.add(al.lanewise(VectorOperators.ASHR, 16).add(ah.lanewise(VectorOperators.ASHR, 16))
                    .mul(ByteVector.fromMemorySegment(BQ, m, o + scales + HALF, LE).convertShape(VectorOperators.B2I, I, 0)));
            ib1 = ib1.add(bl.lanewise(VectorOperators.ASHR, 16).add(bh.lanewise(VectorOperators.ASHR, 16))
                    .mul(ByteVector.fromMemorySegment(BQ, m, o + UNIT + scales + HALF, LE).convertShape(VectorOperators.B2I, I, 0)));
            aLo = ShortVector.zero(S);
            aHi = aLo;
            bLo = aLo;
            bHi = aLo;
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
        for (int g = 0; g < 16; g++) {
            long two = o + 2L * TWO_GROUPS * (g >> 1);
            ByteVector sv = ByteVector.fromMemorySegment(B, m, two + (long) R * (g & 1), LE);
            ShortVector lo0 = ShortVector.zero(S), hi0 = ShortVector.zero(S), lo1 = ShortVector.zero(S), hi1 = ShortVector.zero(S);
            ShortVector lo2 = ShortVector.zero(S), hi2 = ShortVector.zero(S), lo3 = ShortVector.zero(S), hi3 = ShortVector.zero(S);
            long word = two + 2L * UNIT * (1 + 8 * (g & 1));
            int xi = 16 * g;
            for (int i = 0; i < 8; i++, word += 2 * UNIT, xi += 2) {
                ShortVector qa = quants(m, word);
                ShortVector qb = quants(m, word + R);
                lo0 = lo0.add(qa.mul(xq[x0 + xi]));
                hi0 = hi0.add(qb.mul(xq[x0 + xi + 1]));
                lo1 = lo1.add(qa.mul(xq[x1 + xi]));
                hi1 = hi1.add(qb.mul(xq[x1 + xi + 1]));
                lo2 = lo2.add(qa.mul(xq[x2 + xi]));
                hi2 = hi2.add(qb.mul(xq[x2 + xi + 1]));
                lo3 = lo3.add(qa.mul(xq[x3 + xi]));
                hi3 = hi3.add(qb.mul(xq[x3 + xi + 1]));
            }
            IntVector s0 = (IntVector) sv.convertShape(VectorOperators.B2I, I, 0);
            IntVector s1 = (IntVector) sv.convertShape(VectorOperators.B2I, I, 1);
            i00 = i00.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add(hi0.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
            i01 = i01.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add(hi0.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
            i10 = i10.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).add(hi1.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
            i11 = i11.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).add(hi1.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
            i20 = i20.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0)).add(hi2.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
            i21 = i21.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1)).add(hi2.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
            i30 = i30.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0)).add(hi3.convertShape(VectorOperators.S2I, I, 0)).mul(s0));
            i31 = i31.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1)).add(hi3.convertShape(VectorOperators.S2I, I, 1)).mul(s1));
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
     * {@link #sumQuad} for {@link #NARROW}'s 256-bit vectors, whose 16 vector registers do not hold sumQuad's eight
     * 16-bit and eight int accumulators: the int sums stay in {@code is} (added to group by group) and the 16-bit sums
     * widen in their lanes by shifts (rows alternate between the halves: see {@link #NARROW}). One loop over the
     * block's 128 steps, which adds a group's sums to {@code is} after its eighth step: as a loop of eight steps per
     * group, each of the sixteen entries paid its own set-up (bounds and range checks hoisted for the loop, a first
     * step peeled off) besides the adding. One core, Zen 3, 2048 x 2048, four alternating processes (medians):
     * 23.3 against 21.2 G multiply-adds/s at 64 tokens, 24.1 against 21.4 at 8. (Written out as eight steps
     * instead of a loop, the kernel ran 3 to 100 times slower: 6-8 G/s with the quants' helper, 0.1 with its
     * expression written in; not pursued.) The step's quant address is carried from step to step (one add, and one
     * more unit over each two groups' scales) instead of computed from k (a dozen scalar instructions per step beside
     * its 26 vector ones): 28.0 against 24.1 G multiply-adds/s at 8 tokens, 27.1 against 24.0 at 64 (one core, Zen 3,
     * 2048 x 2048, three and two alternating processes, medians). Moving the layout's scales to the block's start, so
     * that the address is linear in k, gave the same (28.2 and 29.1) but slowed decode over a 32000 x 2048 matrix by
     * a tenth (20.1-20.6 against 22.6-22.8 with two threads): not kept. Tried again with the one-loop decode kernel
     * ({@link #sumPairNarrow}): decode 22% faster from the caches, equal from memory (one core's stream is the bound
     * there), this kernel 1-3% slower: not kept either.
     */
    private static void sumQuadNarrow(MemorySegment m, long o, short[] xq, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        Arrays.fill(is, 0, 4 * R, 0);
        ShortVector lo0 = ShortVector.zero(S), hi0 = ShortVector.zero(S), lo1 = ShortVector.zero(S), hi1 = ShortVector.zero(S);
        ShortVector lo2 = ShortVector.zero(S), hi2 = ShortVector.zero(S), lo3 = ShortVector.zero(S), hi3 = ShortVector.zero(S);
        // step k's quants: byte UNIT·(17·(k / 16) + 1 + k % 16) of the group-block (per two groups: their scales'
        // unit, then 16 units of quants), at twice that in the pair's interleaved block (PackedMatrix#at)
        long word = o + 2L * UNIT;
        for (int k = 0; k < 128; k++, word += 2L * UNIT) { // step k: weights 2k, 2k+1 of the block (group k / 8)
            ShortVector qa = quants(m, word);
            ShortVector qb = quants(m, word + R);
            int xi = 2 * k;
            lo0 = lo0.add(qa.mul(xq[x0 + xi]));
            hi0 = hi0.add(qb.mul(xq[x0 + xi + 1]));
            lo1 = lo1.add(qa.mul(xq[x1 + xi]));
            hi1 = hi1.add(qb.mul(xq[x1 + xi + 1]));
            lo2 = lo2.add(qa.mul(xq[x2 + xi]));
            hi2 = hi2.add(qb.mul(xq[x2 + xi + 1]));
            lo3 = lo3.add(qa.mul(xq[x3 + xi]));
            hi3 = hi3.add(qb.mul(xq[x3 + xi + 1]));
            if ((k & 7) != 7) {
                continue;
            }
            if ((k & 15) == 15) {
                word += 2L * UNIT; // over the next two groups' scales
            }
            int g = k >> 3;
            long scales = o + 2L * TWO_GROUPS * (g >> 1) + (long) R * (g & 1);
            IntVector s0 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector s1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector l = lo0.reinterpretAsInts(), h = hi0.reinterpretAsInts();
            IntVector.fromArray(I, is, 0).add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(s0)).intoArray(is, 0);
            IntVector.fromArray(I, is, HALF).add(l.lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.ASHR, 16)).mul(s1)).intoArray(is, HALF);
            l = lo1.reinterpretAsInts();
            h = hi1.reinterpretAsInts();
            IntVector.fromArray(I, is, R).add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(s0)).intoArray(is, R);
            IntVector.fromArray(I, is, R + HALF).add(l.lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.ASHR, 16)).mul(s1)).intoArray(is, R + HALF);
            l = lo2.reinterpretAsInts();
            h = hi2.reinterpretAsInts();
            IntVector.fromArray(I, is, 2 * R).add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(s0)).intoArray(is, 2 * R);
            IntVector.fromArray(I, is, 2 * R + HALF).add(l.lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.ASHR, 16)).mul(s1)).intoArray(is, 2 * R + HALF);
            l = lo3.reinterpretAsInts();
            h = hi3.reinterpretAsInts();
            IntVector.fromArray(I, is, 3 * R).add(l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(s0)).intoArray(is, 3 * R);
            IntVector.fromArray(I, is, 3 * R + HALF).add(l.lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.ASHR, 16)).mul(s1)).intoArray(is, 3 * R + HALF);
            lo0 = ShortVector.zero(S);
            hi0 = lo0;
            lo1 = lo0;
            hi1 = lo0;
            lo2 = lo0;
            hi2 = lo0;
            lo3 = lo0;
            hi3 = lo0;
        }
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
