package dev.kiln.cpu.packed;

import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * Activations quantized to 8 bits for the integer kernels, as llama.cpp does before its quantized dot products
 * (block_q8_K for the K-quants, block_q8_0 for the 32-weight types): each block of {@link #block()} values of a
 * token gets a float scale {@code d = max|x| / 127} and integer quants {@code q = round(x / d)} in -127..127.
 * The quants are kept as {@code short}s, the element type the kernels multiply in, plus the sum of every 16
 * consecutive quants (a K-quant's minimum or offset times the sum of the activations it applies to).
 *
 * <pre>
 * q    [tokens][cols]          shorts in -127..127
 * d    [tokens][cols / block]  float scale of each block
 * sums [tokens][cols / 16]     sum of q over each 16 values
 * groupSums [tokens][cols / 32] sum of q over each 32 values, as a float (exact: at most 4064 in magnitude)
 * lanes [tokens][cols]         q again, little-endian shorts in native memory (see {@link #lanes()})
 * </pre>
 * Rounding is to nearest, ties to even (the float magic-number rounding of ggml's {@code nearest_int}). The arrays
 * hold {@link #paddedTokens()} tokens, a multiple of {@link #TOKEN_BLOCK}: the padding tokens are zero, so a kernel may
 * always multiply whole blocks of tokens. Reused across calls: {@link #prepare} grows the arrays only when needed.
 * Not thread-safe, except that after {@link #prepare} disjoint {@link #quantizeTokens} ranges may run on different
 * threads (each writes only its own tokens' elements).
 */
public final class Q8Activations {
    /** Quants per sum in {@link #sums}. */
    public static final int SUM_LENGTH = 16;
    /** Quants per sum in {@link #groupSums}: a K-quant group. */
    public static final int GROUP_LENGTH = 32;
    /** Tokens a batched kernel multiplies at once; the token count is padded to a multiple of it. */
    public static final int TOKEN_BLOCK = 4;
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    private static final VectorSpecies<Float> F = Species.preferred();
    /** Shorts as many as F has lanes (half its bits). */
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    static {
        // quantizeBlock adds whole vectors into one sum of 16
        if (SUM_LENGTH % F.length() != 0) {
            throw new IllegalStateException("float vectors of " + F.length() + " lanes do not divide sums of "
                    + SUM_LENGTH);
        }
    }

    private final int block;
    short[] q = new short[0];
    float[] d = new float[0];
    int[] sums = new int[0];
    /** See the class comment: a K-quant group's minimum multiplies it (kernels broadcast it from memory). */
    float[] groupSums = new float[0];
    /** {@link #lanes}'s memory; {@code lanes} is a view of it without a liveness check, valid while this holds it. */
    private MemorySegment lanesMemory = MemorySegment.NULL;
    MemorySegment lanes = MemorySegment.NULL;
    private int tokens;
    private int cols;
    /** The activations given to the last {@link #prepare} [tokens][cols]. */
    private float[] source = new float[0];

    /** Activations quantized in blocks of {@code block} values (32 or 256). */
    public Q8Activations(int block) {
        if (block != 32 && block != 256) {
            throw new IllegalArgumentException("activation block: expected 32 or 256, found " + block);
        }
        this.block = block;
    }

    public int block() {
        return block;
    }

    public int tokens() {
        return tokens;
    }

    /** Tokens held, zero padding included: a multiple of {@link #TOKEN_BLOCK}. */
    public int paddedTokens() {
        return (tokens + TOKEN_BLOCK - 1) / TOKEN_BLOCK * TOKEN_BLOCK;
    }

    public int cols() {
        return cols;
    }

    /** Quants of token {@code t}: {@code quants()[t * cols() + i]}. */
    public short[] quants() {
        return q;
    }

    public float[] scales() {
        return d;
    }

    public int[] sums() {
        return sums;
    }

    /** {@code groupSums()[t * cols() / 32 + i]}: the sum of token t's quants 32i..32i+31, as a float. */
    public float[] groupSums() {
        return groupSums;
    }

    /**
     * The quants again, {@code [paddedTokens()][cols()]} little-endian shorts in native memory. Why: C2 folds a load
     * from a memory segment into the broadcast instruction that feeds the kernels' multiplies ({@code vpbroadcastw
     * zmm, [mem]}); from the {@code short[]} it compiled some of them into a load to a general register, a bounds
     * check and a register broadcast (disassembled, measured).
     */
    public MemorySegment lanes() {
        return lanes;
    }

    /** Quantizes {@code x} [tokens][cols] (cols a multiple of {@link #block()}). */
    public void quantize(float[] x, int tokens, int cols) {
        prepare(x, tokens, cols);
        quantizeTokens(0, tokens);
    }

    /**
     * The first step of {@link #quantize}, for callers that split the second across threads: checks the shape, sizes
     * the arrays for {@code tokens} tokens of {@code cols} values, zeroes the padding tokens and keeps x. Then
     * {@link #quantizeTokens} must cover {@code [0, tokens)} (disjoint ranges may run on different threads) before
     * the quants are read: nothing checks that they do, and a token no range covered keeps the previous call's quants.
     */
    public void prepare(float[] x, int tokens, int cols) {
        Objects.requireNonNull(x, "x");
        if (cols <= 0 || cols % block != 0) {
            throw new IllegalArgumentException("activations: " + cols + " columns is not a whole number of "
                    + block + "-value blocks");
        }
        if (tokens < 0) {
            throw new IllegalArgumentException("activations: tokens must be >= 0, found " + tokens);
        }
        Objects.checkFromIndexSize(0, (long) tokens * cols, x.length);
        this.tokens = tokens;
        this.cols = cols;
        this.source = x;
        int n = tokens * cols;
        int padded = paddedTokens() * cols;
        if (q.length < padded) {
            q = new short[padded];
            d = new float[padded / block];
            sums = new int[padded / SUM_LENGTH];
            groupSums = new float[padded / GROUP_LENGTH];
            lanesMemory = Arena.ofAuto().allocate(2L * padded, 64);
            lanes = MemorySegment.ofAddress(lanesMemory.address()).reinterpret(lanesMemory.byteSize());
        } else {
            Arrays.fill(q, n, padded, (short) 0);
            Arrays.fill(d, n / block, padded / block, 0f);
            Arrays.fill(sums, n / SUM_LENGTH, padded / SUM_LENGTH, 0);
            Arrays.fill(groupSums, n / GROUP_LENGTH, padded / GROUP_LENGTH, 0f);
            lanes.asSlice(2L * n, 2L * (padded - n)).fill((byte) 0);
        }
    }

    /**
     * Quantizes tokens {@code [from, to)} of the activations given to {@link #prepare}: their quants, scales, sums
     * of 16 and 32 and {@link #lanes()}.
     */
    public void quantizeTokens(int from, int to) {
        Objects.checkFromToIndex(from, to, tokens);
        float[] x = source;
        int perToken = cols / block;
        for (int b = from * perToken, end = to * perToken; b < end; b++) {
            quantizeBlock(x, b * block, b);
        }
    }

    /**
     * Vector form of {@link #quantizeBlockScalar}: the same operations (no fused multiply-add), so the same quants;
     * the pass that rounds them also writes the block's sums of 16 (whole vectors added into each) and its
     * {@link #lanes()}, then each two sums of 16 make a sum of 32.
     */
    private void quantizeBlock(float[] x, int from, int b) {
        FloatVector max = FloatVector.zero(F);
        for (int i = from, end = from + block; i < end; i += F.length()) {
            max = max.max(FloatVector.fromArray(F, x, i).abs());
        }
        float amax = max.reduceLanes(VectorOperators.MAX);
        float scale = amax / 127f;
        float inverse = amax == 0f ? 0f : 127f / amax;
        d[b] = scale;
        for (int i = from, end = from + block; i < end; i += F.length()) {
            IntVector quants = FloatVector.fromArray(F, x, i).mul(inverse).add(ROUNDER).reinterpretAsInts().sub(ROUNDER_BITS);
            if (i % SUM_LENGTH == 0) {
                sums[i / SUM_LENGTH] = 0;
            }
            sums[i / SUM_LENGTH] += quants.reduceLanes(VectorOperators.ADD);
            ShortVector shorts = quants.convertShape(VectorOperators.I2S, SHORTS, 0).reinterpretAsShorts();
            shorts.intoArray(q, i);
            shorts.intoMemorySegment(lanes, 2L * i, ByteOrder.LITTLE_ENDIAN);
        }
        for (int s = from / SUM_LENGTH, end = (from + block) / SUM_LENGTH; s < end; s += 2) {
            groupSums[s / 2] = sums[s] + sums[s + 1];
        }
    }

    /** The scalar reference of {@link #quantizeBlock}. */
    void quantizeBlockScalar(float[] x, int from, int b) {
        float amax = 0f;
        for (int i = from, end = from + block; i < end; i++) {
            amax = Math.max(amax, Math.abs(x[i]));
        }
        float scale = amax / 127f;
        float inverse = amax == 0f ? 0f : 127f / amax;
        d[b] = scale;
        for (int i = from, end = from + block; i < end; i++) {
            q[i] = (short) round(x[i] * inverse);
        }
    }

    /** Round to nearest, ties to even, for |v| &lt;= 127.5 (as ggml's nearest_int). */
    static int round(float v) {
        return Float.floatToRawIntBits(v + ROUNDER) - ROUNDER_BITS;
    }
}
