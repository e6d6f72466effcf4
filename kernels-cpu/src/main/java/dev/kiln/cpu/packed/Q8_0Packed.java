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
 * Q8_0 rows interleaved by R = short lanes per vector. GGUF block: f16 d, i8 qs[32]; w = d * q (see
 * {@link dev.kiln.cpu.quant.Q8_0}). A group-block (R rows x 32 weights), 36 bytes per row instead of 34 (d as f32):
 * <pre>
 * qs    [32][R]          byte: quant j of the row in that lane (signed, as stored)
 * d     [R] f32          in row order
 * </pre>
 * The group-blocks of a pair interleave unit by unit (a unit is one vector, 2R bytes: here one word, the R bytes of
 * quants 2k and 2k+1), so byte F of group j's block is at 2F + j·2R of the pair's block ({@link PackedMatrix#at}) and
 * the decode kernel reads one gapless stream.
 * A quant's R bytes are loaded and sign-extended to R shorts by one conversion. Lanes hold rows in the order 0, H, 1,
 * H+1, ... (H = R/2): seen as ints, a lane pair is (row i, row H+i), so the low and high 16 bits of the int lanes are
 * the first and second half of the group's rows.
 *
 * <p>Per row and block: {@code sum = d·dx · Σ q_i x_i}. Products are at most 128 · 127 = 16256, so only two fit a
 * 16-bit lane: each pair's sum is widened at once, without a conversion, by adding the int view of the lane pair to
 * two 32-bit totals: {@code T += v ^ 0x8000} (the low half made unsigned by a bias of 2^15) and {@code H += v >> 16}
 * (the high half, sign-extended); after the block's 16 pairs the first half's sum is {@code T - 2^16·H - 16·2^15}
 * and the second half's is {@code H}.
 *
 * <p>Why the packed kernels shift int lanes, not short lanes, wherever they can: x86 has an immediate-count form of
 * the 16-bit shifts, but C2 (JDK 25) emits them with the count in a vector register, loaded by a {@code vmovd} before
 * every shift (an extra instruction, and a register taken from the accumulators: Q3_K ran at 20 instead of 30 G
 * weight·token/s). The 32-bit shifts get their immediate form; a mask after the shift keeps each 16-bit half's own
 * bits.
 */
public final class Q8_0Packed implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Bytes of one quant per row: half the vector's bits. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Rows per group: one short lane each. */
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int D = 32 * R;
    private static final int BLOCK_BYTES = D + 4 * R;
    /** One vector: the interleaving unit of a pair's group-blocks. */
    private static final int UNIT = 2 * R;
    /** A pair's two group-blocks of one block. */
    private static final int PAIR_BYTES = 2 * BLOCK_BYTES;
    /** Words per block, and the bias the low halves carry after them: 16 · 2^15. */
    private static final int WORDS = 16;
    private static final int BIAS = WORDS << 15;

    public Q8_0Packed() {
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q8_0;
    }

    @Override
    public int blockLength() {
        return 32;
    }

    @Override
    public int blockBytes(int groupRows) {
        return 36 * groupRows;
    }

    @Override
    public int activationBlock() {
        return 32;
    }

    /** The short lane of row {@code r} of a group of {@code groupRows}: rows 0, H, 1, H+1, ... */
    static int lane(int r, int groupRows) {
        int half = groupRows / 2;
        return r < half ? 2 * r : 2 * (r - half) + 1;
    }

    @Override
    public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                     MemorySegment dst, long pairOffset, int half) {
        int unit = 2 * groupRows;
        int d = 32 * groupRows; // the offsets of the class comment, for groupRows rows
        int bb = blockBytes(groupRows);
        byte[] block = new byte[34]; // one GGUF block of one row
        byte[] stage = new byte[bb];  // this group's group-block, fields at their offsets (not interleaved)
        for (int b = 0; b < cols / 32; b++) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, (firstRow + r) * rowBytes + 34L * b, block, 0, 34);
                int lane = Q8_0Packed.lane(r, groupRows);
                Packing.putFloat(stage, d + 4 * r, Packing.f16(block, 0));
                for (int j = 0; j < 32; j++) {
                    stage[j * groupRows + lane] = block[2 + j];
                }
            }
            Packing.scatter(stage, bb, unit, dst, pairOffset + 2L * b * bb, half);
        }
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
        for (int b = 0; b < blocks; b++, o += PAIR_BYTES, p += PAIR_BYTES) {
            IntVector ta = bias, ha = IntVector.zero(I), tb = bias, hb = IntVector.zero(I);
            int xi = xb + 32 * b;
            for (int k = 0; k < WORDS; k++) {
                short x0 = xq[xi + 2 * k], x1 = xq[xi + 2 * k + 1];
                IntVector s = ((ShortVector) ByteVector.fromMemorySegment(B, m, o + 2L * UNIT * k, LE).convertShape(VectorOperators.B2S, S, 0)).mul(x0).add(((ShortVector) ByteVector.fromMemorySegment(B, m, o + 2L * UNIT * k + R, LE).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                ta = ta.add(s.lanewise(VectorOperators.XOR, 0x8000));
                ha = ha.add(s.lanewise(VectorOperators.ASHR, 16));
                IntVector r = ((ShortVector) ByteVector.fromMemorySegment(B, m, p + 2L * UNIT * k, LE).convertShape(VectorOperators.B2S, S, 0)).mul(x0).add(((ShortVector) ByteVector.fromMemorySegment(B, m, p + 2L * UNIT * k + R, LE).convertShape(VectorOperators.B2S, S, 0)).mul(x1)).reinterpretAsInts();
                tb = tb.add(r.lanewise(VectorOperators.XOR, 0x8000));
                hb = hb.add(r.lanewise(VectorOperators.ASHR, 16));
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
        for (int b = 0, blocks = cols / 32; b < blocks; b++, o += PAIR_BYTES) {
            IntVector t0 = bias, h0 = IntVector.zero(I), t1 = bias, h1 = IntVector.zero(I);
            IntVector t2 = bias, h2 = IntVector.zero(I), t3 = bias, h3 = IntVector.zero(I);
            int xi = 32 * b;
            for (int k = 0; k < WORDS; k++, xi += 2) {
                ShortVector lo = ((ShortVector) ByteVector.fromMemorySegment(B, m, o + 2L * UNIT * k, LE).convertShape(VectorOperators.B2S, S, 0));
                ShortVector hi = ((ShortVector) ByteVector.fromMemorySegment(B, m, o + 2L * UNIT * k + R, LE).convertShape(VectorOperators.B2S, S, 0));
                IntVector s0 = lo.mul(xq[xb + xi]).add(hi.mul(xq[xb + xi + 1])).reinterpretAsInts();
                IntVector s1 = lo.mul(xq[x1 + xi]).add(hi.mul(xq[x1 + xi + 1])).reinterpretAsInts();
                IntVector s2 = lo.mul(xq[x2 + xi]).add(hi.mul(xq[x2 + xi + 1])).reinterpretAsInts();
                IntVector s3 = lo.mul(xq[x3 + xi]).add(hi.mul(xq[x3 + xi + 1])).reinterpretAsInts();
                t0 = t0.add(s0.lanewise(VectorOperators.XOR, 0x8000));
                h0 = h0.add(s0.lanewise(VectorOperators.ASHR, 16));
                t1 = t1.add(s1.lanewise(VectorOperators.XOR, 0x8000));
                h1 = h1.add(s1.lanewise(VectorOperators.ASHR, 16));
                t2 = t2.add(s2.lanewise(VectorOperators.XOR, 0x8000));
                h2 = h2.add(s2.lanewise(VectorOperators.ASHR, 16));
                t3 = t3.add(s3.lanewise(VectorOperators.XOR, 0x8000));
                h3 = h3.add(s3.lanewise(VectorOperators.ASHR, 16));
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
            long in = rowOffset + 34L * b;
            int xb = t * cols + 32 * b;
            int is = 0;
            for (int j = 0; j < 32; j++) {
                is += Bytes.i8(src, in + 2 + j) * x.q[xb + j];
            }
            tot = Math.fma((float) is, Bytes.f16(src, in) * x.d[xb / 32], tot);
        }
        return tot;
    }
}
