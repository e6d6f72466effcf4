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
 * Q4_K rows interleaved by R = short lanes per vector (32 at 512 bits). GGUF block: f16 d, f16 dmin, 12 bytes of
 * 6-bit scales and minimums, qs[128] (chunk c of 64 weights: low nibbles of qs[32c..32c+32) are group 2c, high
 * nibbles group 2c+1); w = d * sc * q - dmin * m. A group-block (R rows x 256 weights):
 * <pre>
 * per chunk c (0..3), in this order (17 vectors):
 *   sc  [2][R]           byte: 6-bit scale of group 2c (then 2c+1), row r
 *   qs  [16 words][R]    short: row r's qs bytes 2w', 2w'+1 of chunk c, as stored:
 *                        bits 0-3 index 64c+2w', 4-7 index 64c+32+2w', 8-11 index 64c+2w'+1, 12-15 index 64c+33+2w'
 *                        (at 256 bits in lane {@link Q8_0Packed#lane}(r) instead of r: see NARROW)
 * m     [8][R]           byte: 6-bit minimum of group g, row r
 * d     [R] f32, dmin [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes; the scales of two groups share one), in the order the
 * decode kernel reads them; the group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}), so a field at
 * byte F of group j's block is at 2F + j·2R of the pair's block and the decode kernel reads one gapless stream (a
 * skipped kilobyte per block cost the hardware prefetcher two thirds of a core's bandwidth, measured).
 * A nibble is taken out by a shift and a mask of the int view of a word (a 32-bit shift has an immediate form in C2's
 * code, a 16-bit one costs a {@code vmovd} of its count: see {@link Q8_0Packed}); scales and minimums are bytes
 * widened by a conversion.
 * Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} q_i x_i - dmin·dx · Σ_g m_g Σ_{i∈g} x_i} with 8-bit
 * activations x (scale dx). A group's 32 products q·x (up to ±60960) do not fit a 16-bit lane, but the same sum
 * centred, {@code Σ (q - 8)·x} (at most 32 · 8 · 127 = 32512 in magnitude), does: each lane starts at
 * {@code -8·Σ_{i∈g} x_i} (two of the {@link Q8Activations#sums()} of 16 quants) and adds the products q·x; the
 * wrapping 16-bit additions end on the centred sum exactly, and {@code 8·Σ x} is added back after widening to 32 bits.
 * So a lane holds a whole group and its scale is applied once per group (it was once per half group, a tenth of the
 * batch kernel's time, measured).
 */
public final class Q4_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** One byte per row of a group: half the vector's bits. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** A quarter of a vector of bytes: the scales or minimums of a group's upper half of rows (see {@link #NARROW}). */
    private static final VectorSpecies<Byte> BQ = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /**
     * 256-bit vectors (AVX2) take the narrow batch kernel ({@link #sumQuadPairNarrow}); 512-bit ones keep {@link #sumQuad}
     * (measured on Zen 4, not re-measured since) and 128-bit ones too. With AVX2's 16 vector registers the four-token
     * kernel's sixteen accumulators spill, and C2 compiled it into code that ran at 8-10 G multiply-adds/s in two
     * processes of three, 21.5 in the third (one core, Zen 3, 2048 x 2048, 64 tokens).
     * <p>
     * At 256 bits a group's rows also alternate between its halves in the words' lanes (rows 0, H, 1, H+1, ...:
     * {@link Q8_0Packed#lane}; scales, minimums, d and dmin stay in row order), so that both kernels widen their
     * 16-bit sums by shifts of the int view and load the upper half's scales and minimums a quarter vector at a time,
     * where {@code convertShape(..., 1)} compiles there into a slice of shuffles and blends. One core, Zen 3,
     * 2048 x 2048, six alternating processes (medians): the decode kernel 22.1 against 17.9 G multiply-adds/s, the
     * batch kernel equal (25.4 against 25.9 at 64 tokens, 25.7 against 26.8 at 8; it went through memory before).
     */
    private static final boolean NARROW = F.vectorBitSize() == 256;
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** Bytes of one chunk: the scales of its two groups, then 16 words. */
    private static final int CHUNK = 17 * UNIT;
    private static final int MIN = 4 * CHUNK;
    private static final int D = MIN + 8 * R;
    private static final int DMIN = D + 4 * R;
    private static final int BLOCK_BYTES = DMIN + 4 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** The low 4 bits of both 16-bit halves of an int lane. */
    private static final int NIBBLE = 0x000F_000F;
    /** One activation quant of {@link Q8Activations#lanes()}. */
    private static final ValueLayout.OfShort Q = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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
        int unit = 2 * groupRows;
        int bb = blockBytes(groupRows);
        byte[] block = new byte[144]; // one GGUF block of one row
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 256; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 144L * b, block, 0, 144);
                stageRow(block, stage, r, groupRows);
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
    }

    // The packing is split into small methods, as the kernels below are. As one method of many live values, C2 kept
    // its loop counters on the stack, and its word loop (not a counted loop there) took ~17 instructions a word: one
    // core (Zen 3) packed a 14336 x 4096 matrix in 63 ms, and in 39 split (56 against 81 into fresh memory, whose page
    // faults count).

    /** Row r's fields of one block ({@code block}, as stored in GGUF) at their offsets in {@code stage}. */
    private static void stageRow(byte[] block, byte[] stage, int r, int groupRows) {
        int unit = 2 * groupRows;
        int chunk = 17 * unit, min = 4 * chunk, d = min + 8 * groupRows;
        stageScales(block, stage, r, groupRows, 0, chunk, min, d);
        int lane = NARROW ? Q8_0Packed.lane(r, groupRows) : r; // see NARROW
        for (int c = 0; c < 4; c++) {
            stageWords(block, 16 + 32 * c, stage, c * chunk + unit + 2 * lane, unit);
        }
    }

    /**
     * Row r's d, dmin, scales and minimums of a K-quant block laid out as Q4_K's and Q5_K's (f16 d, f16 dmin, 12 bytes
     * of 6-bit scales and minimums; the GGUF block at {@code block}) into {@code stage}: group j's scale at
     * {@code scales + (j / 2)·twoGroups + (j % 2)·groupRows + r}, its minimum at {@code min + j·groupRows + r}, d and
     * dmin as f32 at {@code d + 4r} and {@code d + 4·groupRows + 4r}.
     */
    static void stageScales(byte[] block, byte[] stage, int r, int groupRows, int scales, int twoGroups, int min, int d) {
        Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 0));
        Packing.putFloat(stage, d + 4 * groupRows + 4 * r, Packing.f16(block, 2));
        long lo = Packing.getLong(block, 4);
        int hi = Packing.getInt(block, 12);
        long packedScales = Q4_K.packedScales(lo, hi);
        long packedMins = Q4_K.packedMins(lo, hi);
        for (int j = 0; j < 8; j++) {
            stage[scales + (j >> 1) * twoGroups + (j & 1) * groupRows + r] = (byte) (packedScales >>> (8 * j));
            stage[min + j * groupRows + r] = (byte) (packedMins >>> (8 * j));
        }
    }

    /** The 16 words of a chunk (at {@code from} of block) to {@code stage[at + i·unit]}, i = 0..15. */
    private static void stageWords(byte[] block, int from, byte[] stage, int at, int unit) {
        for (int i = 0; i < 16; i++) {
            Packing.putShort(stage, at + i * unit, Packing.getShort(block, from + 2 * i));
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
            sumPair(w.data(), o, x.q, xb, x.sums, is);
            if (NARROW) {
                finishPair(w.data(), o, is, x, xb, out, outOffset, b == 0);
            } else {
                finish(w.data(), o, is, 0, x, xb, out, outOffset, b == 0);
                finish(w.data(), o + UNIT, is, R, x, xb, out, outOffset + R, b == 0);
            }
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
            sumQuad(w.data(), o, x.lanes, xb, cols, x.sums, is);
            finishQuad(w.data(), o, is, 0, x, xb, cols, out, outOffset, outStride, b == 0);
        }
    }

    /** At 256 bits (see {@link #sumQuadPairNarrow}); 512- and 128-bit vectors keep two group-by-group quads. */
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
        long o = w.pairOffset(g >> 1);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += PAIR_BYTES) {
            int xb = t * cols + 256 * b;
            Arrays.fill(is, 0);
            sumQuadPairNarrow(w.data(), o, x.q, xb, cols, x.sums, is);
            finishQuadPair(w.data(), o, is, minima, x, xb, cols, out, outOffset, outStride, b == 0);
        }
    }

    @Override
    public boolean decodes() {
        return true;
    }

    @Override
    public void decodeGroup(PackedMatrix w, int g, int firstBlock, int blocks, float[] panel) {
        MemorySegment m = w.data();
        long o = w.groupOffset(g, firstBlock);
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES) {
            for (int c = 0; c < 4; c++) {
                decodeChunk(m, o, c, panel, (256 * b + 64 * c) * R);
            }
        }
    }

    /**
     * Chunk c (groups 2c and 2c+1, 64 columns) of the group-block whose first unit is at o, into
     * {@code panel[at + j·R + r]}: {@code q·(d·sc) + (-dmin·m)} per weight, as {@link Q4_K}'s decode computes it. Rows
     * 0..H-1 and H..R-1 are a float vector each: at 256 bits (rows alternate between the halves, see NARROW) a shift and
     * a mask of the int view give a row half's nibbles as ints; otherwise the nibbles' shorts are widened.
     */
    private static void decodeChunk(MemorySegment m, long o, int c, float[] panel, int at) {
        FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2L * D, LE);
        FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE);
        FloatVector n0 = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE).neg();
        FloatVector n1 = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2L * UNIT, LE).neg();
        long chunk = o + 2L * CHUNK * c;
        long mins = o + 2L * (MIN + UNIT * c); // group 2c's minimums, 2c+1's R bytes on
        // d·sc and -dmin·m of groups 2c (lo) and 2c+1 (hi), rows 0..H-1 (0) and H..R-1 (1)
        FloatVector lo0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, chunk, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector lo1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, chunk + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector hi0 = d0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, chunk + R, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector hi1 = d1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, chunk + R + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector ml0 = n0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector ml1 = n1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector mh0 = n0.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + R, LE).convertShape(VectorOperators.B2F, F, 0));
        FloatVector mh1 = n1.mul((FloatVector) ByteVector.fromMemorySegment(BQ, m, mins + R + HALF, LE).convertShape(VectorOperators.B2F, F, 0));
        long word = chunk + 2L * UNIT;
        for (int k = 0, p = at; k < 16; k++, word += 2 * UNIT, p += 2 * R) {
            // word k of each row: columns 2k (bits 0-3), 32+2k (4-7), 2k+1 (8-11), 33+2k (12-15)
            IntVector v = IntVector.fromMemorySegment(I, m, word, LE);
            if (NARROW) {
                ((FloatVector) v.and(0xF).convert(VectorOperators.I2F, 0)).fma(lo0, ml0).intoArray(panel, p);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 16).and(0xF).convert(VectorOperators.I2F, 0)).fma(lo1, ml1).intoArray(panel, p + HALF);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 8).and(0xF).convert(VectorOperators.I2F, 0)).fma(lo0, ml0).intoArray(panel, p + R);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 24).and(0xF).convert(VectorOperators.I2F, 0)).fma(lo1, ml1).intoArray(panel, p + R + HALF);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 4).and(0xF).convert(VectorOperators.I2F, 0)).fma(hi0, mh0).intoArray(panel, p + 32 * R);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 20).and(0xF).convert(VectorOperators.I2F, 0)).fma(hi1, mh1).intoArray(panel, p + 32 * R + HALF);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 12).and(0xF).convert(VectorOperators.I2F, 0)).fma(hi0, mh0).intoArray(panel, p + 33 * R);
                ((FloatVector) v.lanewise(VectorOperators.LSHR, 28).convert(VectorOperators.I2F, 0)).fma(hi1, mh1).intoArray(panel, p + 33 * R + HALF);
            } else {
                ShortVector q = v.and(NIBBLE).reinterpretAsShorts();
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 0)).fma(lo0, ml0).intoArray(panel, p);
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 1)).fma(lo1, ml1).intoArray(panel, p + HALF);
                q = v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts();
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 0)).fma(lo0, ml0).intoArray(panel, p + R);
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 1)).fma(lo1, ml1).intoArray(panel, p + R + HALF);
                q = v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts();
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 0)).fma(hi0, mh0).intoArray(panel, p + 32 * R);
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 1)).fma(hi1, mh1).intoArray(panel, p + 32 * R + HALF);
                q = v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts();
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 0)).fma(hi0, mh0).intoArray(panel, p + 33 * R);
                ((FloatVector) q.convertShape(VectorOperators.S2F, F, 1)).fma(hi1, mh1).intoArray(panel, p + 33 * R + HALF);
            }
        }
    }

    /** {@code 8 · Σ x} over the 32 activations of a group, whose two {@link Q8Activations#sums()} start at s. */
    private static int centring(int[] sums, int s) {
        return 8 * (sums[s] + sums[s + 1]);
    }

    /**
     * is[0..R) = Σ_g sc_g Σ_{i∈g} q_i x_i of one block for the first group of the pair block at o, is[R..2R) for the
     * second.
     */
    private static void sumPair(MemorySegment m, long o, short[] xq, int xb, int[] sums, int[] is) {
        long p = o + UNIT;
        int sb = xb / Q8Activations.SUM_LENGTH;
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            long chunk = 2L * CHUNK * c;
            // scales of groups 2c (lo) and 2c+1 (hi), rows 0..H-1 (part 0) and H..R-1 (part 1)
            ByteVector scA = ByteVector.fromMemorySegment(B, m, o + chunk, LE);
            ByteVector scAHi = ByteVector.fromMemorySegment(B, m, o + chunk + R, LE);
            ByteVector scB = ByteVector.fromMemorySegment(B, m, p + chunk, LE);
            ByteVector scBHi = ByteVector.fromMemorySegment(B, m, p + chunk + R, LE);
            int bl = centring(sums, sb + 4 * c), bh = centring(sums, sb + 4 * c + 2);
            // a group per lane, centred (see the class comment)
            ShortVector aLo = ShortVector.broadcast(S, (short) -bl), aHi = ShortVector.broadcast(S, (short) -bh);
            ShortVector bLo = aLo, bHi = aHi;
            long word = chunk + 2L * UNIT;
            int xi = xb + 64 * c;
            for (int k = 0; k < 16; k++, word += 2 * UNIT, xi += 2) {
                short x0 = xq[xi], x1 = xq[xi + 1], x2 = xq[xi + 32], x3 = xq[xi + 33];
                IntVector v = IntVector.fromMemorySegment(I, m, o + word, LE);
                aLo = aLo.add(v.and(NIBBLE).reinterpretAsShorts().mul(x0))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().mul(x1));
                aHi = aHi.add(v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().mul(x2))
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().mul(x3));
                IntVector u = IntVector.fromMemorySegment(I, m, p + word, LE);
                bLo = bLo.add(u.and(NIBBLE).reinterpretAsShorts().mul(x0))
                        .add(u.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().mul(x1));
                bHi = bHi.add(u.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().mul(x2))
                        .add(u.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().mul(x3));
            }
            if (NARROW) { // rows alternate between the halves (see NARROW): the int view widens them by shifts
                IntVector al = aLo.reinterpretAsInts(), ah = aHi.reinterpretAsInts();
                IntVector ul = bLo.reinterpretAsInts(), uh = bHi.reinterpretAsInts();
                // scales of rows 0..H-1 (0) and H..R-1 (1), the upper ones loaded a quarter vector at a time
                IntVector sal0 = (IntVector) scA.convertShape(VectorOperators.B2I, I, 0);
                IntVector sah0 = (IntVector) scAHi.convertShape(VectorOperators.B2I, I, 0);
                IntVector sbl0 = (IntVector) scB.convertShape(VectorOperators.B2I, I, 0);
                IntVector sbh0 = (IntVector) scBHi.convertShape(VectorOperators.B2I, I, 0);
                IntVector sal1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, o + chunk + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector sah1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, o + chunk + R + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector sbl1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, p + chunk + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector sbh1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, p + chunk + R + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
                ia0 = ia0.add(al.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(bl).mul(sal0))
                        .add(ah.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(bh).mul(sah0));
                ib0 = ib0.add(ul.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(bl).mul(sbl0))
                        .add(uh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(bh).mul(sbh0));
                ia1 = ia1.add(al.lanewise(VectorOperators.ASHR, 16).add(bl).mul(sal1)).add(ah.lanewise(VectorOperators.ASHR, 16).add(bh).mul(sah1));
                ib1 = ib1.add(ul.lanewise(VectorOperators.ASHR, 16).add(bl).mul(sbl1)).add(uh.lanewise(VectorOperators.ASHR, 16).add(bh).mul(sbh1));
            } else {
                ia0 = ia0.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 0)).add(bl).mul((IntVector) scA.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) aHi.convertShape(VectorOperators.S2I, I, 0)).add(bh).mul((IntVector) scAHi.convertShape(VectorOperators.B2I, I, 0)));
                ia1 = ia1.add(((IntVector) aLo.convertShape(VectorOperators.S2I, I, 1)).add(bl).mul((IntVector) scA.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) aHi.convertShape(VectorOperators.S2I, I, 1)).add(bh).mul((IntVector) scAHi.convertShape(VectorOperators.B2I, I, 1)));
                ib0 = ib0.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 0)).add(bl).mul((IntVector) scB.convertShape(VectorOperators.B2I, I, 0)))
                        .add(((IntVector) bHi.convertShape(VectorOperators.S2I, I, 0)).add(bh).mul((IntVector) scBHi.convertShape(VectorOperators.B2I, I, 0)));
                ib1 = ib1.add(((IntVector) bLo.convertShape(VectorOperators.S2I, I, 1)).add(bl).mul((IntVector) scB.convertShape(VectorOperators.B2I, I, 1)))
                        .add(((IntVector) bHi.convertShape(VectorOperators.S2I, I, 1)).add(bh).mul((IntVector) scBHi.convertShape(VectorOperators.B2I, I, 1)));
            }
        }
        ia0.intoArray(is, 0);
        ia1.intoArray(is, HALF);
        ib0.intoArray(is, R);
        ib1.intoArray(is, R + HALF);
    }

    /**
     * is[j·R .. (j+1)·R) = the block sums of one group for token j (activations at xb + j·cols); o is the group's first
     * unit in its pair's block. The activations are read from {@link Q8Activations#lanes()}, not the {@code short[]}:
     * C2 then folds every load into its broadcast, where from the array it compiled a third of them into a general
     * register load, a bounds check and a register broadcast (disassembled): 1.25x faster, measured on one core
     * (the decode kernel and Q6_K's kernels measured slower that way and keep the array).
     */
    private static void sumQuad(MemorySegment m, long o, MemorySegment xq, long xb, long cols, int[] sums, int[] is) {
        long x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int s0 = (int) (xb / Q8Activations.SUM_LENGTH), ss = (int) (cols / Q8Activations.SUM_LENGTH);
        int s1 = s0 + ss, s2 = s1 + ss, s3 = s2 + ss;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            long chunk = o + 2L * CHUNK * c;
            ByteVector scLo = ByteVector.fromMemorySegment(B, m, chunk, LE);
            ByteVector scHi = ByteVector.fromMemorySegment(B, m, chunk + R, LE);
            // a group per lane, centred (see the class comment): groups 2c (lo) and 2c+1 (hi) of each token
            int g = 4 * c;
            int bl0 = centring(sums, s0 + g), bh0 = centring(sums, s0 + g + 2);
            int bl1 = centring(sums, s1 + g), bh1 = centring(sums, s1 + g + 2);
            int bl2 = centring(sums, s2 + g), bh2 = centring(sums, s2 + g + 2);
            int bl3 = centring(sums, s3 + g), bh3 = centring(sums, s3 + g + 2);
            ShortVector lo0 = ShortVector.broadcast(S, (short) -bl0), hi0 = ShortVector.broadcast(S, (short) -bh0);
            ShortVector lo1 = ShortVector.broadcast(S, (short) -bl1), hi1 = ShortVector.broadcast(S, (short) -bh1);
            ShortVector lo2 = ShortVector.broadcast(S, (short) -bl2), hi2 = ShortVector.broadcast(S, (short) -bh2);
            ShortVector lo3 = ShortVector.broadcast(S, (short) -bl3), hi3 = ShortVector.broadcast(S, (short) -bh3);
            long word = chunk + 2L * UNIT;
            int xi = 64 * c;
            for (int k = 0; k < 16; k++, word += 2 * UNIT, xi += 2) {
                IntVector v = IntVector.fromMemorySegment(I, m, word, LE);
                ShortVector q0 = v.and(NIBBLE).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts();
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts();
                ShortVector q3 = v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts();
                lo0 = lo0.add(q0.mul(xq.get(Q, 2L * (x0 + xi)))).add(q1.mul(xq.get(Q, 2L * (x0 + xi + 1))));
                hi0 = hi0.add(q2.mul(xq.get(Q, 2L * (x0 + xi + 32)))).add(q3.mul(xq.get(Q, 2L * (x0 + xi + 33))));
                lo1 = lo1.add(q0.mul(xq.get(Q, 2L * (x1 + xi)))).add(q1.mul(xq.get(Q, 2L * (x1 + xi + 1))));
                hi1 = hi1.add(q2.mul(xq.get(Q, 2L * (x1 + xi + 32)))).add(q3.mul(xq.get(Q, 2L * (x1 + xi + 33))));
                lo2 = lo2.add(q0.mul(xq.get(Q, 2L * (x2 + xi)))).add(q1.mul(xq.get(Q, 2L * (x2 + xi + 1))));
                hi2 = hi2.add(q2.mul(xq.get(Q, 2L * (x2 + xi + 32)))).add(q3.mul(xq.get(Q, 2L * (x2 + xi + 33))));
                lo3 = lo3.add(q0.mul(xq.get(Q, 2L * (x3 + xi)))).add(q1.mul(xq.get(Q, 2L * (x3 + xi + 1))));
                hi3 = hi3.add(q2.mul(xq.get(Q, 2L * (x3 + xi + 32)))).add(q3.mul(xq.get(Q, 2L * (x3 + xi + 33))));
            }
            IntVector sl0 = (IntVector) scLo.convertShape(VectorOperators.B2I, I, 0);
            IntVector sl1 = (IntVector) scLo.convertShape(VectorOperators.B2I, I, 1);
            IntVector sh0 = (IntVector) scHi.convertShape(VectorOperators.B2I, I, 0);
            IntVector sh1 = (IntVector) scHi.convertShape(VectorOperators.B2I, I, 1);
            i00 = i00.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 0)).add(bl0).mul(sl0)).add(((IntVector) hi0.convertShape(VectorOperators.S2I, I, 0)).add(bh0).mul(sh0));
            i01 = i01.add(((IntVector) lo0.convertShape(VectorOperators.S2I, I, 1)).add(bl0).mul(sl1)).add(((IntVector) hi0.convertShape(VectorOperators.S2I, I, 1)).add(bh0).mul(sh1));
            i10 = i10.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 0)).add(bl1).mul(sl0)).add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 0)).add(bh1).mul(sh0));
            i11 = i11.add(((IntVector) lo1.convertShape(VectorOperators.S2I, I, 1)).add(bl1).mul(sl1)).add(((IntVector) hi1.convertShape(VectorOperators.S2I, I, 1)).add(bh1).mul(sh1));
            i20 = i20.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 0)).add(bl2).mul(sl0)).add(((IntVector) hi2.convertShape(VectorOperators.S2I, I, 0)).add(bh2).mul(sh0));
            i21 = i21.add(((IntVector) lo2.convertShape(VectorOperators.S2I, I, 1)).add(bl2).mul(sl1)).add(((IntVector) hi2.convertShape(VectorOperators.S2I, I, 1)).add(bh2).mul(sh1));
            i30 = i30.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 0)).add(bl3).mul(sl0)).add(((IntVector) hi3.convertShape(VectorOperators.S2I, I, 0)).add(bh3).mul(sh0));
            i31 = i31.add(((IntVector) lo3.convertShape(VectorOperators.S2I, I, 1)).add(bl3).mul(sl1)).add(((IntVector) hi3.convertShape(VectorOperators.S2I, I, 1)).add(bh3).mul(sh1));
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
     * {@link #sumQuad} for both groups of a pair (o: the pair's block) at 256 bits, adding to is: group g's sums for
     * token j at is[j·R ..], group g+1's at is[(4 + j)·R ..]. A block's eight 32-weight groups one after the other
     * (group 2c from the low nibbles of chunk c, 2c+1 from the high ones), each with eight 16-bit accumulators (four
     * tokens, two row groups) that widen into is by shifts (rows alternate between the halves, see {@link #NARROW});
     * the int sums stay in memory, as sixteen accumulators do not fit AVX2's sixteen vector registers. Each activation
     * broadcast serves both row groups, and the loop over the eight groups is inside one call (it was eight calls
     * of a one-row-group kernel). Some things that cost little at 512 bits cost much at 256 (found in C2's code,
     * Zen 3):
     * <ul>
     * <li>the activations are broadcast from the {@code short[]}: from {@link Q8Activations#lanes()} every broadcast
     * kept a bounds check of about thirty instructions;</li>
     * <li>the upper half of a vector is never widened with {@code convertShape(..., 1)}: that compiles to a slice,
     * two shuffles and two blends with a computed index; the sums widen by shifts and the scales are loaded a quarter
     * vector at a time and widened from memory in one instruction.</li>
     * </ul>
     * One core, Zen 3 (AVX2), 2048 x 2048, whole batch kernel, medians of the samples of five (four) processes
     * alternating with the previous kernel (one row group, eight calls per block): 31.4 against 27.2 G multiply-adds/s
     * at 64 tokens, 32.7 against 27.6 at 8. Of that, the loop over the groups inside one call gave ~6% (29.7 against
     * 27.9) and sharing the broadcasts the rest (32.4 against 28.4 for one row group with the loop inside).
     */
    private static void sumQuadPairNarrow(MemorySegment m, long o, short[] xq, int xb, int cols, int[] sums, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        int step = cols / Q8Activations.SUM_LENGTH;
        for (int j = 0; j < 8; j++) { // group j of the block: chunk j / 2, low nibbles when j is even
            long chunk = o + 2L * CHUNK * (j >> 1);
            boolean high = (j & 1) != 0;
            int s0 = xb / Q8Activations.SUM_LENGTH + 2 * j;
            int b0 = centring(sums, s0), b1 = centring(sums, s0 + step);
            int b2 = centring(sums, s0 + 2 * step), b3 = centring(sums, s0 + 3 * step);
            // a group per lane, centred (see the class comment): row group g (a) and g+1 (e), tokens 0..3
            ShortVector a0 = ShortVector.broadcast(S, (short) -b0), a1 = ShortVector.broadcast(S, (short) -b1);
            ShortVector a2 = ShortVector.broadcast(S, (short) -b2), a3 = ShortVector.broadcast(S, (short) -b3);
            ShortVector e0 = a0, e1 = a1, e2 = a2, e3 = a3;
            long words = chunk + 2L * UNIT; // after the scales (a unit per row group)
            int xi = 32 * j;
            for (int k = 0; k < 16; k++, xi += 2) {
                IntVector v = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, words + 2L * UNIT * k + UNIT, LE);
                if (high) {
                    v = v.lanewise(VectorOperators.LSHR, 4);
                    u = u.lanewise(VectorOperators.LSHR, 4);
                }
                ShortVector q0 = v.and(NIBBLE).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts();
                ShortVector r0 = u.and(NIBBLE).reinterpretAsShorts();
                ShortVector r1 = u.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts();
                short y0 = xq[x0 + xi], y1 = xq[x0 + xi + 1];
                a0 = a0.add(q0.mul(y0)).add(q1.mul(y1));
                e0 = e0.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x1 + xi];
                y1 = xq[x1 + xi + 1];
                a1 = a1.add(q0.mul(y0)).add(q1.mul(y1));
                e1 = e1.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x2 + xi];
                y1 = xq[x2 + xi + 1];
                a2 = a2.add(q0.mul(y0)).add(q1.mul(y1));
                e2 = e2.add(r0.mul(y0)).add(r1.mul(y1));
                y0 = xq[x3 + xi];
                y1 = xq[x3 + xi + 1];
                a3 = a3.add(q0.mul(y0)).add(q1.mul(y1));
                e3 = e3.add(r0.mul(y0)).add(r1.mul(y1));
            }
            // scales of rows 0..H-1 (0) and H..R-1 (1), of row group g, then (a unit on) of g+1
            long scales = chunk + (high ? R : 0);
            IntVector sc0 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector sc1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector.fromArray(I, is, 0).add(a0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b0).mul(sc0)).intoArray(is, 0);
            IntVector.fromArray(I, is, HALF).add(a0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b0).mul(sc1)).intoArray(is, HALF);
            IntVector.fromArray(I, is, R).add(a1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b1).mul(sc0)).intoArray(is, R);
            IntVector.fromArray(I, is, R + HALF).add(a1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b1).mul(sc1)).intoArray(is, R + HALF);
            IntVector.fromArray(I, is, 2 * R).add(a2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b2).mul(sc0)).intoArray(is, 2 * R);
            IntVector.fromArray(I, is, 2 * R + HALF).add(a2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b2).mul(sc1)).intoArray(is, 2 * R + HALF);
            IntVector.fromArray(I, is, 3 * R).add(a3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b3).mul(sc0)).intoArray(is, 3 * R);
            IntVector.fromArray(I, is, 3 * R + HALF).add(a3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b3).mul(sc1)).intoArray(is, 3 * R + HALF);
            sc0 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales + UNIT, LE).convertShape(VectorOperators.B2I, I, 0);
            sc1 = (IntVector) ByteVector.fromMemorySegment(BQ, m, scales + UNIT + HALF, LE).convertShape(VectorOperators.B2I, I, 0);
            IntVector.fromArray(I, is, 4 * R).add(e0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b0).mul(sc0)).intoArray(is, 4 * R);
            IntVector.fromArray(I, is, 4 * R + HALF).add(e0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b0).mul(sc1)).intoArray(is, 4 * R + HALF);
            IntVector.fromArray(I, is, 5 * R).add(e1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b1).mul(sc0)).intoArray(is, 5 * R);
            IntVector.fromArray(I, is, 5 * R + HALF).add(e1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b1).mul(sc1)).intoArray(is, 5 * R + HALF);
            IntVector.fromArray(I, is, 6 * R).add(e2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b2).mul(sc0)).intoArray(is, 6 * R);
            IntVector.fromArray(I, is, 6 * R + HALF).add(e2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b2).mul(sc1)).intoArray(is, 6 * R + HALF);
            IntVector.fromArray(I, is, 7 * R).add(e3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16)
                    .lanewise(VectorOperators.ASHR, 16).add(b3).mul(sc0)).intoArray(is, 7 * R);
            IntVector.fromArray(I, is, 7 * R + HALF).add(e3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16)
                    .add(b3).mul(sc1)).intoArray(is, 7 * R + HALF);
        }
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
        IntVector im0 = IntVector.zero(I), im1 = IntVector.zero(I); // rows 0..H-1, H..R-1
        for (int g = 0; g < 8; g++) {
            long at0 = o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1);
            ByteVector mins = ByteVector.fromMemorySegment(B, m, at0, LE);
            int sum = sums[sb + 2 * g] + sums[sb + 2 * g + 1];
            im0 = im0.add(((IntVector) mins.convertShape(VectorOperators.B2I, I, 0)).mul(sum));
            im1 = im1.add(((IntVector) (NARROW // see sumQuadPairNarrow on upper halves
                    ? ByteVector.fromMemorySegment(BQ, m, at0 + HALF, LE).convertShape(VectorOperators.B2I, I, 0)
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

    /**
     * {@link #finish} for both groups of {@link #sumPair}'s pair in one call, at 256 bits (o: the pair's block; sums of
     * group g at is[0..R), of g+1 at is[R..2R); totals at at, group g+1's R further). Each group of weights' two
     * activation sums are added once for both groups of rows, and its minimums are loaded a quarter vector at a time
     * (rows 0..H-1 and H..R-1 of group g, then the same of g+1) into four accumulators. The two {@code finish} calls
     * this replaces took a fifth of the decode kernel's time (without their loop over the minimums it ran 18% faster),
     * most of it address arithmetic and a bounds check per load for two multiply-adds. One core, Zen 3, 2048 x 2048,
     * the decode kernel, six alternating rounds in one process: 26.5 against 24.7 G multiply-adds/s (paired 1.074);
     * the same loop in floats ({@link Q8Activations#groupSums}, as {@link #finishQuadPair}) 1.056, unrolled by two
     * groups 1.00, with the float tail in a helper taking vectors 0.85 (not inlined: boxed). On the tinyllama Q4_K_M
     * file, one thread, tg32 16.3 against 15.6 t/s (medians of 24 samples, alternating); with two threads decode is
     * bound by memory here and equal. 512- and 128-bit vectors keep {@code finish} (not measured).
     */
    private static void finishPair(MemorySegment m, long o, int[] is, Q8Activations x, int xb, float[] out, int at,
                                   boolean first) {
        float dx = x.d[xb / 256];
        int sb = xb / Q8Activations.SUM_LENGTH;
        int[] sums = x.sums;
        // Σ_g m_g·bsum_g of rows 0..H-1 (a0) and H..R-1 (a1) of group g, the same of g+1 (b0, b1)
        IntVector a0 = IntVector.zero(I), a1 = a0, b0 = a0, b1 = a0;
        long mins = o + 2L * MIN;
        for (int g = 0; g < 8; g++) {
            long at0 = mins + 2L * UNIT * (g >> 1) + (long) R * (g & 1); // group g's; g+1's a unit on
            int sum = sums[sb + 2 * g] + sums[sb + 2 * g + 1];
            a0 = a0.add(((IntVector) ByteVector.fromMemorySegment(BQ, m, at0, LE).convertShape(VectorOperators.B2I, I, 0)).mul(sum));
            a1 = a1.add(((IntVector) ByteVector.fromMemorySegment(BQ, m, at0 + HALF, LE).convertShape(VectorOperators.B2I, I, 0)).mul(sum));
            b0 = b0.add(((IntVector) ByteVector.fromMemorySegment(BQ, m, at0 + UNIT, LE).convertShape(VectorOperators.B2I, I, 0)).mul(sum));
            b1 = b1.add(((IntVector) ByteVector.fromMemorySegment(BQ, m, at0 + UNIT + HALF, LE).convertShape(VectorOperators.B2I, I, 0)).mul(sum));
        }
        // as finish, per half a group of rows: out = (is·(d·dx) + out) + Σ m·bsum · (dmin·-dx)
        FloatVector ta0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at);
        FloatVector ta1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + HALF);
        FloatVector tb0 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + R);
        FloatVector tb1 = first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + R + HALF);
        ta0 = ((FloatVector) IntVector.fromArray(I, is, 0).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D, LE).mul(dx), ta0);
        ta1 = ((FloatVector) IntVector.fromArray(I, is, HALF).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE).mul(dx), ta1);
        tb0 = ((FloatVector) IntVector.fromArray(I, is, R).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * D, LE).mul(dx), tb0);
        tb1 = ((FloatVector) IntVector.fromArray(I, is, R + HALF).convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * D + 2L * UNIT, LE).mul(dx), tb1);
        ((FloatVector) a0.convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE).mul(-dx), ta0).intoArray(out, at);
        ((FloatVector) a1.convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2L * UNIT, LE).mul(-dx), ta1).intoArray(out, at + HALF);
        ((FloatVector) b0.convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * DMIN, LE).mul(-dx), tb0).intoArray(out, at + R);
        ((FloatVector) b1.convert(VectorOperators.I2F, 0))
                .fma(FloatVector.fromMemorySegment(F, m, o + UNIT + 2L * DMIN + 2L * UNIT, LE).mul(-dx), tb1)
                .intoArray(out, at + R + HALF);
    }

    /**
     * {@link #finish} for the four tokens of {@link #sumQuad} at once (activations from xb + j·cols, sums at
     * is[isAt + j·R ..], totals at at + j·stride): each group's minimums are widened once for the four tokens instead
     * of once per token. The float steps are written out token by token: a helper taking vectors was not inlined here
     * (NodeCountInliningCutoff, measured), and a vector crossing a call is boxed.
     */
    private static void finishQuad(MemorySegment m, long o, int[] is, int isAt, Q8Activations x, int xb, int cols,
                                   float[] out, int at, int stride, boolean first) {
        int[] sums = x.sums;
        float[] dx = x.d;
        int s0 = xb / Q8Activations.SUM_LENGTH, step = cols / Q8Activations.SUM_LENGTH;
        int s1 = s0 + step, s2 = s1 + step, s3 = s2 + step;
        int b0 = xb / 256, bs = cols / 256;
        float dx0 = dx[b0], dx1 = dx[b0 + bs], dx2 = dx[b0 + 2 * bs], dx3 = dx[b0 + 3 * bs];
        // [token][rows 0..H-1, H..R-1] Σ_g m_g·bsum_g, in floats: exact, as every product and partial sum is an
        // integer below 2^24 (8 · 63 · 32 · 127)
        FloatVector m00 = FloatVector.zero(F), m01 = FloatVector.zero(F), m10 = FloatVector.zero(F), m11 = FloatVector.zero(F);
        FloatVector m20 = FloatVector.zero(F), m21 = FloatVector.zero(F), m30 = FloatVector.zero(F), m31 = FloatVector.zero(F);
        for (int g = 0; g < 8; g++) {
            ByteVector bytes = ByteVector.fromMemorySegment(B, m, o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1), LE);
            FloatVector lo = (FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0);
            FloatVector hi = NARROW // see sumQuadPairNarrow on upper halves
                    ? (FloatVector) ByteVector.fromMemorySegment(BQ, m, o + 2L * (MIN + UNIT * (g >> 1)) + (long) R * (g & 1) + HALF, LE).convertShape(VectorOperators.B2F, F, 0)
                    : (FloatVector) bytes.convertShape(VectorOperators.B2F, F, 1);
            float b0s = sums[s0 + 2 * g] + sums[s0 + 2 * g + 1], b1s = sums[s1 + 2 * g] + sums[s1 + 2 * g + 1];
            float b2s = sums[s2 + 2 * g] + sums[s2 + 2 * g + 1], b3s = sums[s3 + 2 * g] + sums[s3 + 2 * g + 1];
            m00 = lo.fma(FloatVector.broadcast(F, b0s), m00);
            m01 = hi.fma(FloatVector.broadcast(F, b0s), m01);
            m10 = lo.fma(FloatVector.broadcast(F, b1s), m10);
            m11 = hi.fma(FloatVector.broadcast(F, b1s), m11);
            m20 = lo.fma(FloatVector.broadcast(F, b2s), m20);
            m21 = hi.fma(FloatVector.broadcast(F, b2s), m21);
            m30 = lo.fma(FloatVector.broadcast(F, b3s), m30);
            m31 = hi.fma(FloatVector.broadcast(F, b3s), m31);
        }
        FloatVector d = FloatVector.fromMemorySegment(F, m, o + 2L * D, LE);
        FloatVector dmin = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN, LE);
        m00.fma(dmin.mul(-dx0),
                ((FloatVector) IntVector.fromArray(I, is, isAt).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx0), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at)))
                .intoArray(out, at);
        m10.fma(dmin.mul(-dx1),
                ((FloatVector) IntVector.fromArray(I, is, isAt + R).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx1), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + stride)))
                .intoArray(out, at + stride);
        m20.fma(dmin.mul(-dx2),
                ((FloatVector) IntVector.fromArray(I, is, isAt + 2 * R).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx2), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + 2 * stride)))
                .intoArray(out, at + 2 * stride);
        m30.fma(dmin.mul(-dx3),
                ((FloatVector) IntVector.fromArray(I, is, isAt + 3 * R).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx3), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + 3 * stride)))
                .intoArray(out, at + 3 * stride);
        d = FloatVector.fromMemorySegment(F, m, o + 2L * D + 2L * UNIT, LE);
        dmin = FloatVector.fromMemorySegment(F, m, o + 2L * DMIN + 2L * UNIT, LE);
        m01.fma(dmin.mul(-dx0),
                ((FloatVector) IntVector.fromArray(I, is, isAt + HALF).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx0), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + HALF)))
                .intoArray(out, at + HALF);
        m11.fma(dmin.mul(-dx1),
                ((FloatVector) IntVector.fromArray(I, is, isAt + R + HALF).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx1), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + stride + HALF)))
                .intoArray(out, at + stride + HALF);
        m21.fma(dmin.mul(-dx2),
                ((FloatVector) IntVector.fromArray(I, is, isAt + 2 * R + HALF).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx2), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + 2 * stride + HALF)))
                .intoArray(out, at + 2 * stride + HALF);
        m31.fma(dmin.mul(-dx3),
                ((FloatVector) IntVector.fromArray(I, is, isAt + 3 * R + HALF).convert(VectorOperators.I2F, 0))
                        .fma(d.mul(dx3), first ? FloatVector.zero(F) : FloatVector.fromArray(F, out, at + 3 * stride + HALF)))
                .intoArray(out, at + 3 * stride + HALF);
    }

    /**
     * {@link #finishQuad} for both row groups of {@link #sumQuadPairNarrow}'s pair (o: the pair's block; sums of row
     * group g for token j at is[j·R ..], of g+1 at is[(4 + j)·R ..]; totals of token j at at + j·stride, row group
     * g+1 R further). The minimums of the block's eight weight groups are widened to floats once for the four tokens
     * into {@code minima} [8][2R], then each token's {@code Σ_g m_g·bsum_g} takes eight multiply-adds per eight rows
     * with the minimums read from there and {@code bsum_g} broadcast from {@link Q8Activations#groupSums}: four
     * accumulators per token. Two {@code finishQuad} calls kept eight accumulators across a loop that AVX2's sixteen
     * registers could not hold with its temporaries (two went through the stack at every step, and C2 widened one
     * half of the minimums again for each token): one core, Zen 3, 2048 x 2048, the whole batch kernel, 32.3 against
     * 31.3 G multiply-adds/s at 8 tokens, 33.9 against 32.2 at 64 (medians of 14 and 10 alternating rounds in one
     * process; without the minimums' step altogether it ran ~14% faster, without either finishing call ~27%).
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
            // [rows 0..H-1, H..R-1 of row group g, the same of g+1] Σ_g m_g·bsum_g, exact in floats (see finishQuad)
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
            // as finishQuad: out = (is·(d·dx) + out) + Σ m·bsum · (dmin·-dx), per eight rows
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
