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
import java.lang.invoke.MethodHandles;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * IQ4_NL rows interleaved by R = short lanes per vector. GGUF block: f16 d, u8 qs[16] laid out as Q4_0's; each
 * nibble indexes ggml's 16 non-linear levels (-127..113): w = d * LEVELS[q] (see {@link dev.kiln.cpu.quant.IQ4_NL}).
 * The nibbles stay as stored (a group-block of R rows x 32 weights is 20 bytes per row instead of 18, d as f32):
 * <pre>
 * qs    [8 words][R]     short: row's qs bytes 2w, 2w+1 as stored: bits 0-3 index 2w, 4-7 index 2w+16,
 *                        8-11 index 2w+1, 12-15 index 2w+17
 * d     [R] f32          in row order
 * </pre>
 * The fields are whole vectors (units of 2R bytes: one word of the R rows) in the order the decode kernel reads
 * them, and the group-blocks of a pair interleave unit by unit: byte F of group j's block is at 2F + j·2R of the
 * pair's block ({@link PackedMatrix#at}), so the decode kernel reads one gapless stream.
 * A nibble is taken out by a shift and a mask of the int view (see {@link Q8_0Packed} on why not 16-bit shifts) and
 * turned into its level by one two-table lane selection. Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2),
 * so that the int view of a lane pair is (row i, row H+i).
 *
 * <p>Per row and block: {@code sum = d·dx · Σ LEVELS[q_i] x_i}. Products are at most 127 · 127 = 16129, so only two
 * fit a 16-bit lane: each pair's sum is widened at once as in {@link Q8_0Packed} ({@code T += v ^ 0x8000},
 * {@code H += v >> 16}; the first half's sum is {@code T - 2^16·H - 16·2^15}, the second's {@code H}).
 */
public final class IQ4_NLPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int D = 16 * R;
    private static final int BLOCK_BYTES = D + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** Words per row and block. */
    private static final int WORDS = 8;
    /** The bias the low halves carry after a block's 16 pair sums: 16 · 2^15. */
    private static final int BIAS = 16 << 15;
    /** The low 4 bits of both 16-bit halves of an int lane. */
    private static final int NIBBLE = 0x000F_000F;
    /** ggml's kvalues_iq4nl. */
    private static final short[] LEVELS = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    /** The levels as the two tables of a two-vector lane selection (lanes past 16 unused). */
    private static final short[] TABLES = Arrays.copyOf(LEVELS, Math.max(2 * R, 16));

    public IQ4_NLPacked() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.IQ4_NL;
    }

    @Override
    public int blockLength() {
        return 32;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 20 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 32;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        Q4_0Packed.packNibbles(src, rowBytes, firstRow, rows, cols, groupRows, dst, pairOffset, half); // same block
    }

    // A 32-weight block is too short to pay for calls per block (Q4_KPacked's sumPair/finish): each kernel runs a
    // whole row of blocks in one method, its float totals in registers. No vector crosses a method boundary (C2 boxes
    // a vector that crosses a call it did not inline; see Q4_KPacked).

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        pair(w.data(), w.pairOffset(g >> 1), w.pairOffset(g >> 1) + UNIT, x.q, x.d, t * cols, cols / 32, out, outOffset);
    }

    @Override
    public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride) {
        int cols = w.cols();
        quad(w.data(), w.pairOffset(g >> 1) + (g & 1) * UNIT, x.q, x.d, t * cols, cols, out, outOffset, outStride);
    }

    /** out[at .. at+R) = the R rows of the group at o · activations from xb, out[at+R .. at+2R) those at p. */
    private static void pair(MemorySegment m, long o, long p, short[] xq, float[] xd, int xb, int blocks,
                             float[] out, int at) {
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        IntVector bias = IntVector.broadcast(I, -BIAS);
        ShortVector lv1 = ShortVector.fromArray(S, TABLES, 0), lv2 = ShortVector.fromArray(S, TABLES, R);
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            IntVector ta = bias, ha = IntVector.zero(I), tb = bias, hb = IntVector.zero(I);
            int xi = xb + 32 * b;
            for (int k = 0; k < WORDS; k++) {
                short x0 = xq[xi + 2 * k], x1 = xq[xi + 2 * k + 1], x2 = xq[xi + 2 * k + 16], x3 = xq[xi + 2 * k + 17];
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                IntVector s = v.and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x0)
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x1)).reinterpretAsInts();
                IntVector s2 = v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x2)
                        .add(v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x3)).reinterpretAsInts();
                ta = ta.add(s.lanewise(VectorOperators.XOR, 0x8000)).add(s2.lanewise(VectorOperators.XOR, 0x8000));
                ha = ha.add(s.lanewise(VectorOperators.ASHR, 16)).add(s2.lanewise(VectorOperators.ASHR, 16));
                IntVector u = IntVector.fromMemorySegment(I, m, p + 2L * UNIT * k, LE);
                IntVector r = u.and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x0)
                        .add(u.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x1)).reinterpretAsInts();
                IntVector r2 = u.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x2)
                        .add(u.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2).mul(x3)).reinterpretAsInts();
                tb = tb.add(r.lanewise(VectorOperators.XOR, 0x8000)).add(r2.lanewise(VectorOperators.XOR, 0x8000));
                hb = hb.add(r.lanewise(VectorOperators.ASHR, 16)).add(r2.lanewise(VectorOperators.ASHR, 16));
            }
            float dx = xd[xi / 32];
            a0 = ((FloatVector) ta.sub(ha.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D, LE).mul(dx), a0);
            a1 = ((FloatVector) ha.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE).mul(dx), a1);
            b0 = ((FloatVector) tb.sub(hb.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D, LE).mul(dx), b0);
            b1 = ((FloatVector) hb.convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D + 2 * UNIT, LE).mul(dx), b1);
        }
        a0.intoArray(out, at);
        a1.intoArray(out, at + HALF);
        b0.intoArray(out, at + R);
        b1.intoArray(out, at + R + HALF);
    }

    /** out[at + j·stride + r] = row r of the group at o · token j of the four whose activations start at xb. */
    private static void quad(MemorySegment m, long o, short[] xq, float[] xd, int xb, int cols, float[] out, int at,
                             int stride) {
        int x1 = xb + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector f00 = FloatVector.zero(F), f01 = FloatVector.zero(F), f10 = FloatVector.zero(F), f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F), f21 = FloatVector.zero(F), f30 = FloatVector.zero(F), f31 = FloatVector.zero(F);
        IntVector bias = IntVector.broadcast(I, -BIAS);
        ShortVector lv1 = ShortVector.fromArray(S, TABLES, 0), lv2 = ShortVector.fromArray(S, TABLES, R);
        for (int b = 0, blocks = cols / 32; b < blocks; b++, o += PAIR_BYTES) {
            IntVector t0 = bias, h0 = IntVector.zero(I), t1 = bias, h1 = IntVector.zero(I);
            IntVector t2 = bias, h2 = IntVector.zero(I), t3 = bias, h3 = IntVector.zero(I);
            int xi = 32 * b;
            for (int k = 0; k < WORDS; k++, xi += 2) {
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                ShortVector q0 = v.and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2);
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2);
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2);
                ShortVector q3 = v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().selectFrom(lv1, lv2);
                IntVector s0 = q0.mul(xq[xb + xi]).add(q1.mul(xq[xb + xi + 1])).reinterpretAsInts();
                IntVector z0 = q2.mul(xq[xb + xi + 16]).add(q3.mul(xq[xb + xi + 17])).reinterpretAsInts();
                t0 = t0.add(s0.lanewise(VectorOperators.XOR, 0x8000)).add(z0.lanewise(VectorOperators.XOR, 0x8000));
                h0 = h0.add(s0.lanewise(VectorOperators.ASHR, 16)).add(z0.lanewise(VectorOperators.ASHR, 16));
                IntVector s1 = q0.mul(xq[x1 + xi]).add(q1.mul(xq[x1 + xi + 1])).reinterpretAsInts();
                IntVector z1 = q2.mul(xq[x1 + xi + 16]).add(q3.mul(xq[x1 + xi + 17])).reinterpretAsInts();
                t1 = t1.add(s1.lanewise(VectorOperators.XOR, 0x8000)).add(z1.lanewise(VectorOperators.XOR, 0x8000));
                h1 = h1.add(s1.lanewise(VectorOperators.ASHR, 16)).add(z1.lanewise(VectorOperators.ASHR, 16));
                IntVector s2 = q0.mul(xq[x2 + xi]).add(q1.mul(xq[x2 + xi + 1])).reinterpretAsInts();
                IntVector z2 = q2.mul(xq[x2 + xi + 16]).add(q3.mul(xq[x2 + xi + 17])).reinterpretAsInts();
                t2 = t2.add(s2.lanewise(VectorOperators.XOR, 0x8000)).add(z2.lanewise(VectorOperators.XOR, 0x8000));
                h2 = h2.add(s2.lanewise(VectorOperators.ASHR, 16)).add(z2.lanewise(VectorOperators.ASHR, 16));
                IntVector s3 = q0.mul(xq[x3 + xi]).add(q1.mul(xq[x3 + xi + 1])).reinterpretAsInts();
                IntVector z3 = q2.mul(xq[x3 + xi + 16]).add(q3.mul(xq[x3 + xi + 17])).reinterpretAsInts();
                t3 = t3.add(s3.lanewise(VectorOperators.XOR, 0x8000)).add(z3.lanewise(VectorOperators.XOR, 0x8000));
                h3 = h3.add(s3.lanewise(VectorOperators.ASHR, 16)).add(z3.lanewise(VectorOperators.ASHR, 16));
            }
            FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2 * D, LE);
            FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE);
            int xd0 = (xb + 32 * b) / 32, step = cols / 32;
            float dx0 = xd[xd0], dx1 = xd[xd0 + step], dx2 = xd[xd0 + 2 * step], dx3 = xd[xd0 + 3 * step];
            f00 = ((FloatVector) t0.sub(h0.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), f00);
            f01 = ((FloatVector) h0.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), f01);
            f10 = ((FloatVector) t1.sub(h1.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), f10);
            f11 = ((FloatVector) h1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), f11);
            f20 = ((FloatVector) t2.sub(h2.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), f20);
            f21 = ((FloatVector) h2.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), f21);
            f30 = ((FloatVector) t3.sub(h3.lanewise(VectorOperators.LSHL, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), f30);
            f31 = ((FloatVector) h3.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), f31);
        }
        f00.intoArray(out, at);
        f01.intoArray(out, at + HALF);
        f10.intoArray(out, at + stride);
        f11.intoArray(out, at + stride + HALF);
        f20.intoArray(out, at + 2 * stride);
        f21.intoArray(out, at + 2 * stride + HALF);
        f30.intoArray(out, at + 3 * stride);
        f31.intoArray(out, at + 3 * stride + HALF);
    }

    @Override
    public float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t) {
        float tot = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long in = rowOffset + 18L * b;
            int xb = t * cols + 32 * b;
            int is = 0;
            for (int j = 0; j < 16; j++) {
                int q = Bytes.u8(src, in + 2 + j);
                is += LEVELS[q & 0xF] * x.q[xb + j] + LEVELS[q >> 4] * x.q[xb + j + 16];
            }
            tot = Math.fma((float) is, Bytes.f16(src, in) * x.d[xb / 32], tot);
        }
        return tot;
    }
}
