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
 * Q6_K rows interleaved by R = short lanes per vector. GGUF block: ql[128] (low 4 bits), qh[64] (high 2 bits),
 * i8 scales[16] (groups of 16), f16 d; w = d * sc * (q - 32) (see {@link dev.kiln.cpu.quant.Q6_K}). The 6-bit quants
 * are unpacked at load to signed bytes q - 32 (8 bits per weight instead of 6.5625: the price of a one-instruction
 * unpack). A group-block (R rows x 256 weights):
 * <pre>
 * q     [128 words][R]   short: low byte q[2w] - 32, high byte q[2w+1] - 32 of row r (signed)
 * sc    [4][R][4]        byte k of row r in quad j: signed scale of group 4j+k
 * d     [R] f32
 * </pre>
 * Per row and block: {@code sum = d·dx · Σ_g sc_g Σ_{i∈g} (q_i - 32) x_i}; products are at most 32 · 127, so the 8
 * low-byte (and 8 high-byte) products of a group add up in a 16-bit lane.
 */
public final class Q6_KPacked implements PackedKernel {
    private static final VectorSpecies<Float> F = Specialiser.species(MethodHandles.lookup());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int R = S.length();
    private static final int HALF = R / 2;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int SC = 256 * R;
    private static final int D = SC + 16 * R;
    private static final int BLOCK_BYTES = D + 4 * R;

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
                     MemorySegment dst, long dstOffset) {
        int blocks = cols / 256;
        int bb = blockBytes(groupRows);
        int sc = 256 * groupRows, d = sc + 16 * groupRows;
        for (int r = 0; r < rows; r++) {
            long row = (firstRow + r) * rowBytes;
            for (int b = 0; b < blocks; b++) {
                long in = row + 210L * b;
                long out = dstOffset + (long) b * bb;
                dst.set(Bytes.FLOAT, out + d + 4L * r, Bytes.f16(src, in + 208));
                for (int j = 0; j < 16; j++) {
                    dst.set(ValueLayout.JAVA_BYTE, out + sc + (long) (j / 4) * 4 * groupRows + 4L * r + j % 4,
                            src.get(ValueLayout.JAVA_BYTE, in + 192 + j));
                }
                for (int w = 0; w < 128; w++) {
                    int lo = quant(src, in, 2 * w) - 32;
                    int hi = quant(src, in, 2 * w + 1) - 32;
                    dst.set(Bytes.SHORT, out + 2L * (w * groupRows + r), (short) ((lo & 0xFF) | (hi << 8)));
                }
            }
        }
    }

    @Override
    public void multiply(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
        MemorySegment m = w.data();
        int cols = w.cols();
        short[] xq = x.q;
        float[] dx = x.d;
        FloatVector tot0 = FloatVector.zero(F);
        FloatVector tot1 = FloatVector.zero(F);
        long o = w.groupOffset(g);
        for (int b = 0, blocks = cols / 256; b < blocks; b++, o += BLOCK_BYTES) {
            int xb = t * cols + 256 * b;
            IntVector is0 = IntVector.zero(I);
            IntVector is1 = IntVector.zero(I);
            for (int j = 0; j < 4; j++) {
                IntVector sc0 = IntVector.fromMemorySegment(I, m, o + SC + 4L * R * j, LE);
                IntVector sc1 = IntVector.fromMemorySegment(I, m, o + SC + 4L * R * j + 2 * R, LE);
                for (int k = 0; k < 4; k++) {
                    ShortVector accLo = ShortVector.zero(S);
                    ShortVector accHi = ShortVector.zero(S);
                    long q = o + 2L * R * 8 * (4 * j + k);
                    int xi = xb + 16 * (4 * j + k);
                    for (int i = 0; i < 8; i++, q += 2 * R, xi += 2) {
                        ShortVector v = ShortVector.fromMemorySegment(S, m, q, LE);
                        accLo = accLo.add(v.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 8).mul(xq[xi]));
                        accHi = accHi.add(v.lanewise(VectorOperators.ASHR, 8).mul(xq[xi + 1]));
                    }
                    IntVector s0 = ((IntVector) accLo.convertShape(VectorOperators.S2I, I, 0))
                            .add(accHi.convertShape(VectorOperators.S2I, I, 0));
                    IntVector s1 = ((IntVector) accLo.convertShape(VectorOperators.S2I, I, 1))
                            .add(accHi.convertShape(VectorOperators.S2I, I, 1));
                    int up = 24 - 8 * k;
                    is0 = is0.add(s0.mul(sc0.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
                    is1 = is1.add(s1.mul(sc1.lanewise(VectorOperators.LSHL, up).lanewise(VectorOperators.ASHR, 24)));
                }
            }
            float scale = dx[xb / 256];
            FloatVector d0 = FloatVector.fromMemorySegment(F, m, o + D, LE).mul(scale);
            FloatVector d1 = FloatVector.fromMemorySegment(F, m, o + D + 2 * R, LE).mul(scale);
            tot0 = ((FloatVector) is0.convert(VectorOperators.I2F, 0)).fma(d0, tot0);
            tot1 = ((FloatVector) is1.convert(VectorOperators.I2F, 0)).fma(d1, tot1);
        }
        tot0.intoArray(out, outOffset);
        tot1.intoArray(out, outOffset + HALF);
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
