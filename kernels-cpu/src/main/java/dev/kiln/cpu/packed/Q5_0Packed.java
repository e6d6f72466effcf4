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
 * Q5_0 rows interleaved by R = short lanes per vector. GGUF block: f16 d, u32 qh, u8 qs[16]; quant j (0..31, 5 bits)
 * is a nibble of qs (low: j &lt; 16, high: j - 16) plus bit j of qh as bit 4; w = d * (q - 16) (see
 * {@link dev.kiln.cpu.quant.Q5_0}). The quants are stored three to a 16-bit word (slots at bits 0, 5 and 10; bit 15
 * unused), as {@link Q5_KPacked} stores a group of 32, and taken out by a shift and a mask of the int view (see
 * {@link Q8_0Packed} on why not 16-bit shifts): word k &lt; 8 holds weights 2k, 2k+1 and 16+k; words 8 and 9 hold
 * 26+2(k-8), 27+2(k-8) and 16+k; word 10 holds 30 and 31. A group-block (R rows x 32 weights), 26 bytes per row
 * instead of 22 (5.5 bits per quant as in GGUF, d as f32):
 * <pre>
 * qs    [11 words][R]    short: three 5-bit quants of the row in that lane, as above
 * d     [R] f32          in row order
 * </pre>
 * The fields are whole vectors (units of 2R bytes: one word of the R rows) in the order the decode kernel reads
 * them, and the group-blocks of a pair interleave unit by unit: byte F of group j's block is at 2F + j·2R of the
 * pair's block ({@link PackedMatrix#at}), so the decode kernel reads one gapless stream.
 * Lanes hold rows in the order 0, H, 1, H+1, ... (H = R/2), so that the int view of a lane pair is (row i, row H+i).
 *
 * <p>Per row and block: {@code sum = d·dx · Σ (q_i - 16) x_i}. Weights 0..15 and 16..31 are summed in two 16-bit
 * lanes, each starting at -16·Σx over its 16 activations and ending at Σ (q - 16) x: at most 16 · 16 · 127 = 32512
 * (16-bit sums wrap on the way and come back: only the final value must fit); the two are widened and added.
 */
public final class Q5_0Packed implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int D = 22 * R;
    private static final int BLOCK_BYTES = D + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** The low 5 bits of both 16-bit halves of an int lane. */
    private static final int SLOT = 0x001F_001F;

    public Q5_0Packed() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public int blockLength() {
        return 32;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 26 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 32;
    }

    /** The 5-bit quant {@code j} (0..31) of the block at {@code in}. */
    static int quant(MemorySegment src, long in, int j) {
        return quant(src, in, j, 2);
    }

    /**
     * The 5-bit quant {@code j} of a block whose {@code header} bytes of f16 fields (Q5_0: d, 2; Q5_1: d and m, 4) come
     * before u8 qh[4] and u8 qs[16].
     */
    static int quant(MemorySegment src, long in, int j, int header) {
        int qs = Bytes.u8(src, in + header + 4 + (j & 15));
        int qh = Bytes.i32(src, in + header);
        return ((qs >> (4 * (j >> 4))) & 0xF) | (((qh >>> j) & 1) << 4);
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        packFive(src, rowBytes, firstRow, rows, cols, groupRows, dst, pairOffset, half, 2, blockBytes(groupRows));
    }

    /**
     * The packer of Q5_0 ({@code header} 2: f16 d) and Q5_1 (4: f16 d, f16 m): 5-bit quants, three per word in the
     * slots of {@link Q5_KPacked#slotWeight}, then d (and m after it) as f32 (the layouts of the class comments).
     */
    static void packFive(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                         MemorySegment dst, long pairOffset, int half, int header, int bb) {
        int unit = 2 * groupRows;
        int d = 22 * groupRows; // the offsets of the class comments, for groupRows rows
        int size = header + 20;      // GGUF bytes per block
        byte[] block = new byte[size]; // one GGUF block of one row
        byte[] stage = new byte[bb];   // this group's group-block, fields at their offsets (not interleaved)
        byte[] q = new byte[32];       // the block's quants, 0..31
        for (int b = 0; b < cols / 32; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + (long) size * b, block, 0, size);
                int lane = Q8_0Packed.lane(r, groupRows);
                for (int f = 0; f < header / 2; f++) { // d, then m at the next 4·groupRows bytes
                    Packing.putFloat(stage, d + 4 * (f * groupRows + r), Packing.f16(block, 2 * f));
                }
                int qh = Packing.getInt(block, header);
                for (int j = 0; j < 16; j++) { // quants j and j + 16 (quant for all at once)
                    int qs = block[header + 4 + j];
                    q[j] = (byte) ((qs & 0xF) | ((qh >>> j) & 1) << 4);
                    q[j + 16] = (byte) (((qs >> 4) & 0xF) | ((qh >>> (j + 16)) & 1) << 4);
                }
                Q5_KPacked.stageWords(q, 0, stage, 2 * lane, unit);
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
            IntVector ai = a0.reinterpretAsInts(), ah = a1.reinterpretAsInts(), bi = b0.reinterpretAsInts(), bh = b1.reinterpretAsInts();
            f0 = ((FloatVector) ai.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(ah.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D, LE).mul(dx), f0);
            f1 = ((FloatVector) ai.lanewise(VectorOperators.ASHR, 16).add(ah.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, o + 2 * D + 2 * UNIT, LE).mul(dx), f1);
            g0 = ((FloatVector) bi.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(bh.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D, LE).mul(dx), g0);
            g1 = ((FloatVector) bi.lanewise(VectorOperators.ASHR, 16).add(bh.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0))
                    .fma(FloatVector.fromMemorySegment(F, m, p + 2 * D + 2 * UNIT, LE).mul(dx), g1);
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
            int xd0 = (xb + 32 * b) / 32, step = cols / 32;
            float dx0 = xd[xd0];
            IntVector l0i = l0.reinterpretAsInts(), h0i = h0.reinterpretAsInts();
            f00 = ((FloatVector) l0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h0i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), f00);
            f01 = ((FloatVector) l0i.lanewise(VectorOperators.ASHR, 16).add(h0i.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), f01);
            float dx1 = xd[xd0 + step];
            IntVector l1i = l1.reinterpretAsInts(), h1i = h1.reinterpretAsInts();
            f10 = ((FloatVector) l1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h1i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), f10);
            f11 = ((FloatVector) l1i.lanewise(VectorOperators.ASHR, 16).add(h1i.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), f11);
            float dx2 = xd[xd0 + 2 * step];
            IntVector l2i = l2.reinterpretAsInts(), h2i = h2.reinterpretAsInts();
            f20 = ((FloatVector) l2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h2i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), f20);
            f21 = ((FloatVector) l2i.lanewise(VectorOperators.ASHR, 16).add(h2i.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), f21);
            float dx3 = xd[xd0 + 3 * step];
            IntVector l3i = l3.reinterpretAsInts(), h3i = h3.reinterpretAsInts();
            f30 = ((FloatVector) l3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16).add(h3i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), f30);
            f31 = ((FloatVector) l3i.lanewise(VectorOperators.ASHR, 16).add(h3i.lanewise(VectorOperators.ASHR, 16)).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), f31);
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
            long in = rowOffset + 22L * b;
            int xb = t * cols + 32 * b;
            int is = 0;
            for (int j = 0; j < 32; j++) {
                is += (quant(src, in, j) - 16) * x.q[xb + j];
            }
            float dx = x.d[xb / 32];
            tot = Math.fma((float) is, Bytes.f16(src, in) * dx, tot);
        }
        return tot;
    }
}
