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
 * Q2_K rows interleaved by R = short lanes per vector. GGUF block: u8 scales[16] (4-bit scale, 4-bit minimum of each
 * group of 16), qs[64], f16 d, f16 dmin; group g = 8h + 2j + s holds weights 16g + l = ((qs[32h + 16s + l] &gt;&gt; 2j)
 * &amp; 3), w = d * sc * q - dmin * m (see {@link dev.kiln.cpu.quant.Q2_K}). A group-block (R rows x 256 weights), 88
 * bytes per row instead of 84 (d and dmin as f32):
 * <pre>
 * per pass c = 2h + s (0..3), in this order:
 *   qs  [8 words][R]     short: the row's GGUF qs bytes 2w, 2w+1 as stored (w = 8c + k): in the bit pairs 2j
 *                        (low byte) and 8 + 2j (high byte), weights l, l+1 of group 8h + 2j + s (l = 2k)
 *   sc  [R][4]           byte k of row r: the GGUF scale byte of group 8h + s + 2k
 * d     [R] f32, dmin [R] f32
 * </pre>
 * Each field is a whole number of vectors (units of 2R bytes), in the order the decode kernel reads them; the
 * group-blocks of a pair interleave unit by unit ({@link PackedMatrix#at}): byte F of group j's block is at
 * 2F + j·2R of the pair's block, so the decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i);
 * sc, d and dmin are in row order. Bit pairs are taken out by shifts and masks of the int view (see {@link Q8_0Packed}
 * on why not 16-bit shifts).
 *
 * <p>Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} q_i x_i - dmin·dx · Σ_g m_g Σ_{i∈g} x_i}. The quants
 * of odd j are taken unshifted, as 4q ({@code v & 0xC}: one operation instead of two), those of even j as q: products
 * are at most 4 · 3 · 127 = 1524, so a group's 16 add up in a 16-bit lane (24384). Widened, the even groups are
 * multiplied by 4·sc and the odd ones by sc, and the block's total is divided by 4 (exactly) at the end.
 */
public final class Q2_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Bytes of one pass: its 8 words, then its scales (at SC). */
    private static final int PASS = 20 * R;
    private static final int SC = 16 * R;
    private static final int D = 4 * PASS;
    private static final int DMIN = D + 4 * R;
    private static final int BLOCK_BYTES = DMIN + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** Bits 0-1 (q) and 2-3 (4q of the next bit pair) of both 16-bit halves of an int lane. */
    private static final int LOW = 0x0003_0003;
    private static final int HIGH = 0x000C_000C;

    public Q2_KPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q2_K;
    }

    @Override
    public int blockLength() {
        return 256;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 88 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 256;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        int unit = 2 * groupRows;
        // the field offsets of the class comment, for groupRows rows
        int pass = 20 * groupRows, sc = 16 * groupRows, d = 4 * pass, dmin = d + 4 * groupRows;
        int bb = blockBytes(groupRows);
        byte[] block = new byte[84]; // one GGUF block of one row
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 256; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 84L * b, block, 0, 84);
                int lane = Q8_0Packed.lane(r, groupRows);
                Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 80));
                Packing.putFloat(stage, dmin + 4 * r, Packing.f16(block, 82));
                for (int c = 0; c < 4; c++) {
                    for (int k = 0; k < 4; k++) {
                        stage[c * pass + sc + 4 * r + k] = block[8 * (c >> 1) + (c & 1) + 2 * k];
                    }
                }
                for (int w = 0; w < 32; w++) {
                    int word = (w / 8) * pass + 2 * ((w % 8) * groupRows + lane);
                    stage[word] = block[16 + 2 * w];
                    stage[word + 1] = block[17 + 2 * w];
                }
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
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
            sumPair(w.data(), o, p, x.q, xb, is);
            finish(w.data(), o, is, 0, x, xb, out, outOffset, b == 0);
            finish(w.data(), p, is, R, x, xb, out, outOffset + R, b == 0);
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

    /** is[0..R) = Σ_g sc_g Σ_{i∈g} q_i x_i of one block for the group at o, is[R..2R) for the group at p. */
    private static void sumPair(MemorySegment m, long o, long p, short[] xq, int xb, int[] is) {
        IntVector ia0 = IntVector.zero(I), ia1 = IntVector.zero(I), ib0 = IntVector.zero(I), ib1 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            ShortVector a0 = ShortVector.zero(S), a1 = ShortVector.zero(S), a2 = ShortVector.zero(S), a3 = ShortVector.zero(S);
            ShortVector b0 = ShortVector.zero(S), b1 = ShortVector.zero(S), b2 = ShortVector.zero(S), b3 = ShortVector.zero(S);
            long word = 2L * PASS * c;
            int xi = xb + 128 * (c >> 1) + 16 * (c & 1);
            for (int k = 0; k < 8; k++, word += 2 * UNIT, xi += 2) {
                IntVector v = IntVector.fromMemorySegment(I, m, o + word, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, p + word, LE);
                IntVector v8 = v.lanewise(VectorOperators.LSHR, 8), u8 = u.lanewise(VectorOperators.LSHR, 8);
                short x0 = xq[xi], x1 = xq[xi + 1];
                a0 = a0.add(v.and(LOW).reinterpretAsShorts().mul(x0)).add(v8.and(LOW).reinterpretAsShorts().mul(x1));
                b0 = b0.add(u.and(LOW).reinterpretAsShorts().mul(x0)).add(u8.and(LOW).reinterpretAsShorts().mul(x1));
                x0 = xq[xi + 32];
                x1 = xq[xi + 33];
                a1 = a1.add(v.and(HIGH).reinterpretAsShorts().mul(x0)).add(v8.and(HIGH).reinterpretAsShorts().mul(x1));
                b1 = b1.add(u.and(HIGH).reinterpretAsShorts().mul(x0)).add(u8.and(HIGH).reinterpretAsShorts().mul(x1));
                IntVector v4 = v.lanewise(VectorOperators.LSHR, 4), u4 = u.lanewise(VectorOperators.LSHR, 4);
                IntVector v12 = v.lanewise(VectorOperators.LSHR, 12), u12 = u.lanewise(VectorOperators.LSHR, 12);
                x0 = xq[xi + 64];
                x1 = xq[xi + 65];
                a2 = a2.add(v4.and(LOW).reinterpretAsShorts().mul(x0)).add(v12.and(LOW).reinterpretAsShorts().mul(x1));
                b2 = b2.add(u4.and(LOW).reinterpretAsShorts().mul(x0)).add(u12.and(LOW).reinterpretAsShorts().mul(x1));
                x0 = xq[xi + 96];
                x1 = xq[xi + 97];
                a3 = a3.add(v4.and(HIGH).reinterpretAsShorts().mul(x0)).add(v12.and(HIGH).reinterpretAsShorts().mul(x1));
                b3 = b3.add(u4.and(HIGH).reinterpretAsShorts().mul(x0)).add(u12.and(HIGH).reinterpretAsShorts().mul(x1));
            }
            long quad = 2L * (PASS * c + SC);
            IntVector sa0 = IntVector.fromMemorySegment(I, m, o + quad, LE);
            IntVector sa1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE);
            IntVector sb0 = IntVector.fromMemorySegment(I, m, p + quad, LE);
            IntVector sb1 = IntVector.fromMemorySegment(I, m, p + quad + 2 * UNIT, LE);
            ia0 = ia0.add(((IntVector) a0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sa0.lanewise(VectorOperators.LSHL, 2).and(0x3C))).add(((IntVector) a1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sa0.lanewise(VectorOperators.LSHR, 8).and(0xF)))
                    .add(((IntVector) a2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sa0.lanewise(VectorOperators.LSHR, 14).and(0x3C))).add(((IntVector) a3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sa0.lanewise(VectorOperators.LSHR, 24).and(0xF)));
            ia1 = ia1.add(a0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sa1.lanewise(VectorOperators.LSHL, 2).and(0x3C))).add(a1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sa1.lanewise(VectorOperators.LSHR, 8).and(0xF)))
                    .add(a2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sa1.lanewise(VectorOperators.LSHR, 14).and(0x3C))).add(a3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sa1.lanewise(VectorOperators.LSHR, 24).and(0xF)));
            ib0 = ib0.add(((IntVector) b0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sb0.lanewise(VectorOperators.LSHL, 2).and(0x3C))).add(((IntVector) b1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sb0.lanewise(VectorOperators.LSHR, 8).and(0xF)))
                    .add(((IntVector) b2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sb0.lanewise(VectorOperators.LSHR, 14).and(0x3C))).add(((IntVector) b3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(sb0.lanewise(VectorOperators.LSHR, 24).and(0xF)));
            ib1 = ib1.add(b0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sb1.lanewise(VectorOperators.LSHL, 2).and(0x3C))).add(b1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sb1.lanewise(VectorOperators.LSHR, 8).and(0xF)))
                    .add(b2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sb1.lanewise(VectorOperators.LSHR, 14).and(0x3C))).add(b3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(sb1.lanewise(VectorOperators.LSHR, 24).and(0xF)));
        }
        ia0.lanewise(VectorOperators.ASHR, 2).intoArray(is, 0);
        ia1.lanewise(VectorOperators.ASHR, 2).intoArray(is, HALF);
        ib0.lanewise(VectorOperators.ASHR, 2).intoArray(is, R);
        ib1.lanewise(VectorOperators.ASHR, 2).intoArray(is, R + HALF);
    }

    /** is[j·R .. (j+1)·R) = the block sums of the group at o for token j (activations at xb + j·cols). */
    private static void sumQuad(MemorySegment m, long o, short[] xq, int xb, int cols, int[] is) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        IntVector i00 = IntVector.zero(I), i01 = IntVector.zero(I), i10 = IntVector.zero(I), i11 = IntVector.zero(I);
        IntVector i20 = IntVector.zero(I), i21 = IntVector.zero(I), i30 = IntVector.zero(I), i31 = IntVector.zero(I);
        for (int c = 0; c < 4; c++) {
            long quad = 2L * (PASS * c + SC);
            IntVector sq0 = IntVector.fromMemorySegment(I, m, o + quad, LE);
            IntVector sq1 = IntVector.fromMemorySegment(I, m, o + quad + 2 * UNIT, LE);
            // j = 0, 1 (bit pairs 0-1 and 2-3 of each byte), then j = 2, 3 (bit pairs 4-5 and 6-7); written out twice
            // so that every shift count is a constant (a variable count costs a vmovd, see Q8_0Packed)
            {
                ShortVector e0 = ShortVector.zero(S), e1 = ShortVector.zero(S), e2 = ShortVector.zero(S), e3 = ShortVector.zero(S);
                ShortVector d0 = ShortVector.zero(S), d1 = ShortVector.zero(S), d2 = ShortVector.zero(S), d3 = ShortVector.zero(S);
                long word = o + 2L * PASS * c;
                int xi = 128 * (c >> 1) + 16 * (c & 1);
                for (int k = 0; k < 8; k++, word += 2 * UNIT, xi += 2) {
                    IntVector v = IntVector.fromMemorySegment(I, m, word, LE);
                    IntVector v8 = v.lanewise(VectorOperators.LSHR, 8);
                    ShortVector qa = v.and(LOW).reinterpretAsShorts(), qb = v8.and(LOW).reinterpretAsShorts();      // q
                    ShortVector qc = v.and(HIGH).reinterpretAsShorts(), qd = v8.and(HIGH).reinterpretAsShorts();  // 4q of the next bit pair
                    e0 = e0.add(qa.mul(xq[x0 + xi])).add(qb.mul(xq[x0 + xi + 1]));
                    d0 = d0.add(qc.mul(xq[x0 + xi + 32])).add(qd.mul(xq[x0 + xi + 33]));
                    e1 = e1.add(qa.mul(xq[x1 + xi])).add(qb.mul(xq[x1 + xi + 1]));
                    d1 = d1.add(qc.mul(xq[x1 + xi + 32])).add(qd.mul(xq[x1 + xi + 33]));
                    e2 = e2.add(qa.mul(xq[x2 + xi])).add(qb.mul(xq[x2 + xi + 1]));
                    d2 = d2.add(qc.mul(xq[x2 + xi + 32])).add(qd.mul(xq[x2 + xi + 33]));
                    e3 = e3.add(qa.mul(xq[x3 + xi])).add(qb.mul(xq[x3 + xi + 1]));
                    d3 = d3.add(qc.mul(xq[x3 + xi + 32])).add(qd.mul(xq[x3 + xi + 33]));
                }
                // scales of j = 0 (as 4·sc) and 1 (as sc)
                IntVector se0 = sq0.lanewise(VectorOperators.LSHL, 2).and(0x3C);
                IntVector se1 = sq1.lanewise(VectorOperators.LSHL, 2).and(0x3C);
                IntVector so0 = sq0.lanewise(VectorOperators.LSHR, 8).and(0xF);
                IntVector so1 = sq1.lanewise(VectorOperators.LSHR, 8).and(0xF);
                i00 = i00.add(((IntVector) e0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i01 = i01.add(e0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i10 = i10.add(((IntVector) e1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i11 = i11.add(e1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i20 = i20.add(((IntVector) e2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i21 = i21.add(e2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i30 = i30.add(((IntVector) e3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i31 = i31.add(e3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
            }
            {
                ShortVector e0 = ShortVector.zero(S), e1 = ShortVector.zero(S), e2 = ShortVector.zero(S), e3 = ShortVector.zero(S);
                ShortVector d0 = ShortVector.zero(S), d1 = ShortVector.zero(S), d2 = ShortVector.zero(S), d3 = ShortVector.zero(S);
                long word = o + 2L * PASS * c;
                int xi = 128 * (c >> 1) + 16 * (c & 1) + 64;
                for (int k = 0; k < 8; k++, word += 2 * UNIT, xi += 2) {
                    IntVector v = IntVector.fromMemorySegment(I, m, word, LE).lanewise(VectorOperators.LSHR, 4);
                    IntVector v8 = v.lanewise(VectorOperators.LSHR, 8);
                    ShortVector qa = v.and(LOW).reinterpretAsShorts(), qb = v8.and(LOW).reinterpretAsShorts();      // q
                    ShortVector qc = v.and(HIGH).reinterpretAsShorts(), qd = v8.and(HIGH).reinterpretAsShorts();  // 4q of the next bit pair
                    e0 = e0.add(qa.mul(xq[x0 + xi])).add(qb.mul(xq[x0 + xi + 1]));
                    d0 = d0.add(qc.mul(xq[x0 + xi + 32])).add(qd.mul(xq[x0 + xi + 33]));
                    e1 = e1.add(qa.mul(xq[x1 + xi])).add(qb.mul(xq[x1 + xi + 1]));
                    d1 = d1.add(qc.mul(xq[x1 + xi + 32])).add(qd.mul(xq[x1 + xi + 33]));
                    e2 = e2.add(qa.mul(xq[x2 + xi])).add(qb.mul(xq[x2 + xi + 1]));
                    d2 = d2.add(qc.mul(xq[x2 + xi + 32])).add(qd.mul(xq[x2 + xi + 33]));
                    e3 = e3.add(qa.mul(xq[x3 + xi])).add(qb.mul(xq[x3 + xi + 1]));
                    d3 = d3.add(qc.mul(xq[x3 + xi + 32])).add(qd.mul(xq[x3 + xi + 33]));
                }
                // scales of j = 2 (as 4·sc) and 3 (as sc)
                IntVector se0 = sq0.lanewise(VectorOperators.LSHR, 14).and(0x3C);
                IntVector se1 = sq1.lanewise(VectorOperators.LSHR, 14).and(0x3C);
                IntVector so0 = sq0.lanewise(VectorOperators.LSHR, 24).and(0xF);
                IntVector so1 = sq1.lanewise(VectorOperators.LSHR, 24).and(0xF);
                i00 = i00.add(((IntVector) e0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d0.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i01 = i01.add(e0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d0.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i10 = i10.add(((IntVector) e1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d1.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i11 = i11.add(e1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d1.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i20 = i20.add(((IntVector) e2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d2.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i21 = i21.add(e2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d2.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
                i30 = i30.add(((IntVector) e3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(se0))
                        .add(((IntVector) d3.reinterpretAsInts().lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).mul(so0));
                i31 = i31.add(e3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(se1))
                        .add(d3.reinterpretAsInts().lanewise(VectorOperators.ASHR, 16).mul(so1));
            }
        }
        i00.lanewise(VectorOperators.ASHR, 2).intoArray(is, 0);
        i01.lanewise(VectorOperators.ASHR, 2).intoArray(is, HALF);
        i10.lanewise(VectorOperators.ASHR, 2).intoArray(is, R);
        i11.lanewise(VectorOperators.ASHR, 2).intoArray(is, R + HALF);
        i20.lanewise(VectorOperators.ASHR, 2).intoArray(is, 2 * R);
        i21.lanewise(VectorOperators.ASHR, 2).intoArray(is, 2 * R + HALF);
        i30.lanewise(VectorOperators.ASHR, 2).intoArray(is, 3 * R);
        i31.lanewise(VectorOperators.ASHR, 2).intoArray(is, 3 * R + HALF);
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
        for (int half = 0; half < 2; half++) {
            long rows = 2L * UNIT * half; // the second vector of a 4-byte-per-row field
            IntVector im = IntVector.zero(I);
            for (int c = 0; c < 4; c++) {
                IntVector mins = IntVector.fromMemorySegment(I, m, o + 2L * (PASS * c + SC) + rows, LE);
                int g = sb + 8 * (c >> 1) + (c & 1);
                im = im.add(mins.lanewise(VectorOperators.LSHR, 4).and(0xF).mul(sums[g]))
                        .add(mins.lanewise(VectorOperators.LSHR, 12).and(0xF).mul(sums[g + 2]))
                        .add(mins.lanewise(VectorOperators.LSHR, 20).and(0xF).mul(sums[g + 4]))
                        .add(mins.lanewise(VectorOperators.LSHR, 28).mul(sums[g + 6]));
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
            long in = rowOffset + 84L * b;
            int xb = t * cols + 256 * b;
            int is = 0;
            int im = 0;
            for (int grp = 0; grp < 16; grp++) {
                int sc = Bytes.u8(src, in + grp);
                long qs = in + 16 + 32L * (grp / 8) + 16L * (grp % 2);
                int shift = 2 * ((grp % 8) / 2);
                int s = 0;
                for (int l = 0; l < 16; l++) {
                    s += ((Bytes.u8(src, qs + l) >> shift) & 3) * x.q[xb + 16 * grp + l];
                }
                is += (sc & 0xF) * s;
                im += (sc >> 4) * x.sums[(xb + 16 * grp) / Q8Activations.SUM_LENGTH];
            }
            float dx = x.d[xb / 256];
            tot = Math.fma((float) is, Bytes.f16(src, in + 80) * dx, tot);
            tot = Math.fma((float) im, Bytes.f16(src, in + 82) * -dx, tot);
        }
        return tot;
    }
}
