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

/**
 * Q5_1 rows interleaved by R = short lanes per vector. GGUF block: f16 d, f16 m, u32 qh, u8 qs[16]; quant j (0..31,
 * 5 bits) is a nibble of qs (low: j &lt; 16, high: j - 16) plus bit j of qh as bit 4; w = d * q + m (see
 * {@link dev.kiln.cpu.quant.Q5_1}). The quants are stored as {@link Q5_0Packed}'s, with m beside d: a group-block
 * (R rows x 32 weights), 30 bytes per row instead of 24 (d and m as f32):
 * <pre>
 * qs    [11 words][R]    short: three 5-bit quants of the row in that lane, slots at bits 0, 5, 10 (see Q5_0Packed)
 * d     [R] f32, m [R] f32    in row order
 * </pre>
 * The fields are whole vectors (units of 2R bytes: one word of the R rows) in the order the decode kernel reads
 * them, and the group-blocks of a pair interleave unit by unit: byte F of group j's block is at 2F + j·2R of the
 * pair's block ({@link PackedMatrix#at}), so the decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i).
 *
 * <p>Per row and block: {@code sum = d·dx · Σ q_i x_i + m·dx · Σ x_i}. Weights 0..15 and 16..31 are summed in two
 * 16-bit lanes, each starting at -16·Σx over its 16 activations and ending at Σ (q - 16) x: at most 16 · 16 · 127
 * = 32512 (16-bit sums wrap on the way and come back: only the final value must fit); widened, the two and 16·Σx
 * are added.
 */
public final class Q5_1Packed implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int D = 22 * R;
    private static final int M = D + 4 * R;
    private static final int BLOCK_BYTES = M + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** The low 5 bits of both 16-bit halves of an int lane. */
    private static final int SLOT = 0x001F_001F;

    public Q5_1Packed() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_1;
    }

    @Override
    public int blockLength() {
        return 32;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 30 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 32;
    }

    /** The 5-bit quant {@code j} (0..31) of the block at {@code in}. */
    static int quant(MemorySegment src, long in, int j) {
        return Q5_0Packed.quant(src, in, j, 4);
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        Q5_0Packed.packFive(src, rowBytes, firstRow, rows, cols, groupRows, dst, pairOffset, half, 4, blockBytes(groupRows));
    }

    // As Q8_0Packed: a whole row of blocks per method call, float totals in registers, no vector across a call.

    @Override
    public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        int cols = w.cols();
        pair(w.data(), w.pairOffset(g >> 1), w.pairOffset(g >> 1) + UNIT, x.q, x.d, x.sums, t * cols, cols / 32, out, outOffset);
    }

    @Override
    public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset, int outStride) {
        int cols = w.cols();
        quad(w.data(), w.pairOffset(g >> 1) + (g & 1) * UNIT, x.q, x.d, x.sums, t * cols, cols, out, outOffset, outStride);
    }

    /** out[at .. at+R) = the R rows of the group at o · activations from xb, out[at+R .. at+2R) those at p. */
    private static void pair(MemorySegment m, long o, long p, short[] xq, float[] xd, int[] xs, int xb, int blocks,
                             float[] out, int at) {
        FloatVector f0 = FloatVector.zero(F), f1 = FloatVector.zero(F), g0 = FloatVector.zero(F), g1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            int xi = xb + 32 * b;
            int sb = xi / Q8Activations.SUM_LENGTH;
            // weights 0..15 (a0, b0) and 16..31 (a1, b1), each sum starting at -16·Σx of its 16 activations
            ShortVector a0 = ShortVector.broadcast(S, (short) (-16 * xs[sb]));
            ShortVector a1 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 1]));
            ShortVector b0 = a0, b1 = a1;
            for (int k = 0; k < 8; k++) {
                short x0 = xq[xi + 2 * k], x1 = xq[xi + 2 * k + 1], x2 = xq[xi + 16 + k];
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, p + 2L * UNIT * k, LE);
                a0 = a0.add(v.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                a1 = a1.add(v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                b0 = b0.add(u.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                b1 = b1.add(u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
            }
            for (int k = 8; k < 11; k++) {
                short x0 = xq[xi + 10 + 2 * k], x1 = xq[xi + 11 + 2 * k];
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                IntVector u = IntVector.fromMemorySegment(I, m, p + 2L * UNIT * k, LE);
                a1 = a1.add(v.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(v.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                b1 = b1.add(u.and(SLOT).reinterpretAsShorts().mul(x0))
                        .add(u.lanewise(VectorOperators.LSHR, 5).and(SLOT).reinterpretAsShorts().mul(x1));
                if (k < 10) {
                    short x2 = xq[xi + 16 + k];
                    a1 = a1.add(v.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                    b1 = b1.add(u.lanewise(VectorOperators.LSHR, 10).and(SLOT).reinterpretAsShorts().mul(x2));
                }
            }
            float dx = xd[xi / 32];
            int sum = xs[sb] + xs[sb + 1];
            IntVector back = IntVector.broadcast(I, 16 * sum);
            FloatVector fs = FloatVector.broadcast(F, (float) sum);
            IntVector ai = a0.reinterpretAsInts(), ah = a1.reinterpretAsInts(), bi = b0.reinterpretAsInts(), bh = b1.reinterpretAsInts();
            f0 = ((FloatVector) ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(ah.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D, LE).mul(dx), f0);
            f0 = fs.fma(FloatVector.fromMemorySegment(F, m, o + 2 * M, LE).mul(dx), f0);
            f1 = ((FloatVector) ai.lanewise(VectorOperators.ASHR, 16).add(ah.lanewise(VectorOperators.ASHR, 16)).add(back).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE).mul(dx), f1);
            f1 = fs.fma(FloatVector.fromMemorySegment(F, m, o + 2 * M + 2 * UNIT, LE).mul(dx), f1);
            g0 = ((FloatVector) bi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(bh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(back).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D, LE).mul(dx), g0);
            g0 = fs.fma(FloatVector.fromMemorySegment(F, m, p + 2 * M, LE).mul(dx), g0);
            g1 = ((FloatVector) bi.lanewise(VectorOperators.ASHR, 16).add(bh.lanewise(VectorOperators.ASHR, 16)).add(back).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D + 2 * UNIT, LE).mul(dx), g1);
            g1 = fs.fma(FloatVector.fromMemorySegment(F, m, p + 2 * M + 2 * UNIT, LE).mul(dx), g1);
        }
        f0.intoArray(out, at);
        f1.intoArray(out, at + HALF);
        g0.intoArray(out, at + R);
        g1.intoArray(out, at + R + HALF);
    }

    /** out[at + j·stride + r] = row r of the group at o · token j of the four whose activations start at xb. */
    private static void quad(MemorySegment m, long o, short[] xq, float[] xd, int[] xs, int xb, int cols, float[] out,
                             int at, int stride) {
        int x0 = xb, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector f00 = FloatVector.zero(F), f01 = FloatVector.zero(F), f10 = FloatVector.zero(F), f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F), f21 = FloatVector.zero(F), f30 = FloatVector.zero(F), f31 = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 32; b < blocks; b++, o += PAIR_BYTES) {
            int xg = 32 * b;
            int sb = (xb + xg) / Q8Activations.SUM_LENGTH, sumStep = cols / Q8Activations.SUM_LENGTH;
            // [token][weights 0..15 or 16..31]
            ShortVector l0 = ShortVector.broadcast(S, (short) (-16 * xs[sb]));
            ShortVector h0 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 1]));
            ShortVector l1 = ShortVector.broadcast(S, (short) (-16 * xs[sb + sumStep]));
            ShortVector h1 = ShortVector.broadcast(S, (short) (-16 * xs[sb + sumStep + 1]));
            ShortVector l2 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 2 * sumStep]));
            ShortVector h2 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 2 * sumStep + 1]));
            ShortVector l3 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 3 * sumStep]));
            ShortVector h3 = ShortVector.broadcast(S, (short) (-16 * xs[sb + 3 * sumStep + 1]));
            for (int k = 0; k < 8; k++) {
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
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
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
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
            FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2 * D, LE);
            FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE);
            FloatVector m0 = FloatVector.fromMemorySegment(F, m, o + 2 * M, LE);
            FloatVector m1 = FloatVector.fromMemorySegment(F, m, o + 2 * M + 2 * UNIT, LE);
            int xd0 = (xb + 32 * b) / 32, step = cols / 32;
            float dx0 = xd[xd0];
            IntVector l0i = l0.reinterpretAsInts(), h0i = h0.reinterpretAsInts();
            int sum0 = xs[sb] + xs[sb + 1];
            FloatVector fs0 = FloatVector.broadcast(F, (float) sum0);
            f00 = ((FloatVector) l0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(16 * sum0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), f00);
            f00 = fs0.fma(m0.mul(dx0), f00);
            f01 = ((FloatVector) l0i.lanewise(VectorOperators.ASHR, 16).add(h0i.lanewise(VectorOperators.ASHR, 16)).add(16 * sum0).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), f01);
            f01 = fs0.fma(m1.mul(dx0), f01);
            float dx1 = xd[xd0 + step];
            IntVector l1i = l1.reinterpretAsInts(), h1i = h1.reinterpretAsInts();
            int sum1 = xs[sb + sumStep] + xs[sb + sumStep + 1];
            FloatVector fs1 = FloatVector.broadcast(F, (float) sum1);
            f10 = ((FloatVector) l1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(16 * sum1).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), f10);
            f10 = fs1.fma(m0.mul(dx1), f10);
            f11 = ((FloatVector) l1i.lanewise(VectorOperators.ASHR, 16).add(h1i.lanewise(VectorOperators.ASHR, 16)).add(16 * sum1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), f11);
            f11 = fs1.fma(m1.mul(dx1), f11);
            float dx2 = xd[xd0 + 2 * step];
            IntVector l2i = l2.reinterpretAsInts(), h2i = h2.reinterpretAsInts();
            int sum2 = xs[sb + 2 * sumStep] + xs[sb + 2 * sumStep + 1];
            FloatVector fs2 = FloatVector.broadcast(F, (float) sum2);
            f20 = ((FloatVector) l2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(16 * sum2).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), f20);
            f20 = fs2.fma(m0.mul(dx2), f20);
            f21 = ((FloatVector) l2i.lanewise(VectorOperators.ASHR, 16).add(h2i.lanewise(VectorOperators.ASHR, 16)).add(16 * sum2).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), f21);
            f21 = fs2.fma(m1.mul(dx2), f21);
            float dx3 = xd[xd0 + 3 * step];
            IntVector l3i = l3.reinterpretAsInts(), h3i = h3.reinterpretAsInts();
            int sum3 = xs[sb + 3 * sumStep] + xs[sb + 3 * sumStep + 1];
            FloatVector fs3 = FloatVector.broadcast(F, (float) sum3);
            f30 = ((FloatVector) l3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).add(16 * sum3).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), f30);
            f30 = fs3.fma(m0.mul(dx3), f30);
            f31 = ((FloatVector) l3i.lanewise(VectorOperators.ASHR, 16).add(h3i.lanewise(VectorOperators.ASHR, 16)).add(16 * sum3).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), f31);
            f31 = fs3.fma(m1.mul(dx3), f31);
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
            long in = rowOffset + 24L * b;
            int xb = t * cols + 32 * b;
            int is = 0;
            for (int j = 0; j < 32; j++) {
                is += (quant(src, in, j)) * x.q[xb + j];
            }
            float dx = x.d[xb / 32];
            tot = Math.fma((float) is, Bytes.f16(src, in) * dx, tot);
            int sum = x.sums[xb / Q8Activations.SUM_LENGTH] + x.sums[xb / Q8Activations.SUM_LENGTH + 1];
            tot = Math.fma((float) sum, Bytes.f16(src, in + 2) * dx, tot);
        }
        return tot;
    }
}
