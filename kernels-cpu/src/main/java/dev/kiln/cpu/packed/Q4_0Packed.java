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
 * Q4_0 rows interleaved by R = short lanes per vector. GGUF block: f16 d, u8 qs[16]; w[j] = d * ((qs[j] &amp; 0xF) - 8),
 * w[j+16] = d * ((qs[j] &gt;&gt; 4) - 8) (see {@link dev.kiln.cpu.quant.Q4_0}). A group-block (R rows x 32 weights), 20
 * bytes per row instead of 18 (d as f32):
 * <pre>
 * qs    [8 words][R]     short: row's qs bytes 2w, 2w+1 as stored: bits 0-3 index 2w, 4-7 index 2w+16,
 *                        8-11 index 2w+1, 12-15 index 2w+17
 * d     [R] f32          in row order
 * </pre>
 * The fields are whole vectors (units of 2R bytes: one word of the R rows) in the order the decode kernel reads
 * them, and the group-blocks of a pair interleave unit by unit: byte F of group j's block is at 2F + j·2R of the
 * pair's block ({@link PackedMatrix#at}), so the decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i).
 * A nibble is taken out by a shift and a mask of the int view (see {@link Q8_0Packed} on why not 16-bit shifts).
 *
 * <p>Per row and block: {@code sum = d·dx · (Σ q_i x_i - 8 Σ x_i)}. The block's 16-bit sum starts at -8·Σx and adds
 * the 32 products q·x; 16-bit sums wrap on the way and come back, so only the final value must fit: |Σ (q - 8) x|
 * &lt;= 32 · 8 · 127 = 32512. It is widened once per block, by shifts of the int view.
 */
public final class Q4_0Packed implements PackedKernel {
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
    /** The low 4 bits of both 16-bit halves of an int lane. */
    private static final int NIBBLE = 0x000F_000F;
    /** Words per row and block. */
    private static final int WORDS = 8;

    public Q4_0Packed() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q4_0;
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
        packNibbles(src, rowBytes, firstRow, rows, cols, groupRows, dst, pairOffset, half);
    }

    /**
     * The packer of every 32-weight type stored as {@code f16 d, u8 qs[16]} (Q4_0, IQ4_NL): nibbles as stored, two
     * bytes per word, d as f32 (the layout of the class comment).
     */
    static void packNibbles(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                            MemorySegment dst, long pairOffset, int half) {
        int unit = 2 * groupRows;
        int d = 16 * groupRows; // the offsets of the class comment, for groupRows rows
        int bb = 20 * groupRows;
        byte[] block = new byte[18]; // one GGUF block of one row
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 32; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 18L * b, block, 0, 18);
                int lane = Q8_0Packed.lane(r, groupRows);
                Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 0));
                for (int w = 0; w < WORDS; w++) {
                    stage[2 * (w * groupRows + lane)] = block[2 + 2 * w];
                    stage[2 * (w * groupRows + lane) + 1] = block[3 + 2 * w];
                }
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
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
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), b0 = FloatVector.zero(F), b1 = FloatVector.zero(F);
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            int xi = xb + 32 * b;
            // the offset: start at -8·Σx over the block
            int sum = xs[xi / Q8Activations.SUM_LENGTH] + xs[xi / Q8Activations.SUM_LENGTH + 1];
            ShortVector sa = ShortVector.broadcast(S, (short) (-8 * sum)), sb = sa;
            for (int k = 0; k < WORDS; k++) {
                short x0 = xq[xi + 2 * k], x1 = xq[xi + 2 * k + 16], x2 = xq[xi + 2 * k + 1], x3 = xq[xi + 2 * k + 17];
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                sa = sa.add(v.and(NIBBLE).reinterpretAsShorts().mul(x0)
                                .add(v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().mul(x1)))
                        .add(v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().mul(x2)
                                .add(v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().mul(x3)));
                IntVector u = IntVector.fromMemorySegment(I, m, p + 2L * UNIT * k, LE);
                sb = sb.add(u.and(NIBBLE).reinterpretAsShorts().mul(x0)
                                .add(u.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts().mul(x1)))
                        .add(u.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts().mul(x2)
                                .add(u.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts().mul(x3)));
            }
            float dx = xd[xi / 32];
            IntVector ia = sa.reinterpretAsInts(), ib = sb.reinterpretAsInts();
            a0 = ((FloatVector) ia.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D, LE).mul(dx), a0);
            a1 = ((FloatVector) ia.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE).mul(dx), a1);
            b0 = ((FloatVector) ib.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D, LE).mul(dx), b0);
            b1 = ((FloatVector) ib.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D + 2 * UNIT, LE).mul(dx), b1);
        }
        a0.intoArray(out, at);
        a1.intoArray(out, at + HALF);
        b0.intoArray(out, at + R);
        b1.intoArray(out, at + R + HALF);
    }

    /** out[at + j·stride + r] = row r of the group at o · token j of the four whose activations start at xb. */
    private static void quad(MemorySegment m, long o, short[] xq, float[] xd, int[] xs, int xb, int cols, float[] out, int at,
                             int stride) {
        int x1 = xb + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector f00 = FloatVector.zero(F), f01 = FloatVector.zero(F), f10 = FloatVector.zero(F), f11 = FloatVector.zero(F);
        FloatVector f20 = FloatVector.zero(F), f21 = FloatVector.zero(F), f30 = FloatVector.zero(F), f31 = FloatVector.zero(F);
        for (int b = 0, blocks = cols / 32; b < blocks; b++, o += PAIR_BYTES) {
            int sb = (xb + 32 * b) / Q8Activations.SUM_LENGTH, sumStep = cols / Q8Activations.SUM_LENGTH;
            ShortVector s0 = ShortVector.broadcast(S, (short) (-8 * (xs[sb] + xs[sb + 1])));
            ShortVector s1 = ShortVector.broadcast(S, (short) (-8 * (xs[sb + sumStep] + xs[sb + sumStep + 1])));
            ShortVector s2 = ShortVector.broadcast(S, (short) (-8 * (xs[sb + 2 * sumStep] + xs[sb + 2 * sumStep + 1])));
            ShortVector s3 = ShortVector.broadcast(S, (short) (-8 * (xs[sb + 3 * sumStep] + xs[sb + 3 * sumStep + 1])));
            int xi = 32 * b;
            for (int k = 0; k < WORDS; k++, xi += 2) {
                IntVector v = IntVector.fromMemorySegment(I, m, o + 2L * UNIT * k, LE);
                ShortVector q0 = v.and(NIBBLE).reinterpretAsShorts();
                ShortVector q1 = v.lanewise(VectorOperators.LSHR, 4).and(NIBBLE).reinterpretAsShorts();
                ShortVector q2 = v.lanewise(VectorOperators.LSHR, 8).and(NIBBLE).reinterpretAsShorts();
                ShortVector q3 = v.lanewise(VectorOperators.LSHR, 12).and(NIBBLE).reinterpretAsShorts();
                s0 = s0.add(q0.mul(xq[xb + xi]).add(q1.mul(xq[xb + xi + 16]))).add(q2.mul(xq[xb + xi + 1]).add(q3.mul(xq[xb + xi + 17])));
                s1 = s1.add(q0.mul(xq[x1 + xi]).add(q1.mul(xq[x1 + xi + 16]))).add(q2.mul(xq[x1 + xi + 1]).add(q3.mul(xq[x1 + xi + 17])));
                s2 = s2.add(q0.mul(xq[x2 + xi]).add(q1.mul(xq[x2 + xi + 16]))).add(q2.mul(xq[x2 + xi + 1]).add(q3.mul(xq[x2 + xi + 17])));
                s3 = s3.add(q0.mul(xq[x3 + xi]).add(q1.mul(xq[x3 + xi + 16]))).add(q2.mul(xq[x3 + xi + 1]).add(q3.mul(xq[x3 + xi + 17])));
            }
            FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + 2 * D, LE);
            FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE);
            int xd0 = (xb + 32 * b) / 32, step = cols / 32;
            float dx0 = xd[xd0], dx1 = xd[xd0 + step], dx2 = xd[xd0 + 2 * step], dx3 = xd[xd0 + 3 * step];
            IntVector i0 = s0.reinterpretAsInts(), i1 = s1.reinterpretAsInts(), i2 = s2.reinterpretAsInts(), i3 = s3.reinterpretAsInts();
            f00 = ((FloatVector) i0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), f00);
            f01 = ((FloatVector) i0.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), f01);
            f10 = ((FloatVector) i1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), f10);
            f11 = ((FloatVector) i1.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), f11);
            f20 = ((FloatVector) i2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), f20);
            f21 = ((FloatVector) i2.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), f21);
            f30 = ((FloatVector) i3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), f30);
            f31 = ((FloatVector) i3.lanewise(VectorOperators.ASHR, 16).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), f31);
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
                is += ((q & 0xF) - 8) * x.q[xb + j] + ((q >> 4) - 8) * x.q[xb + j + 16];
            }
            tot = Math.fma((float) is, Bytes.f16(src, in) * x.d[xb / 32], tot);
        }
        return tot;
    }
}
