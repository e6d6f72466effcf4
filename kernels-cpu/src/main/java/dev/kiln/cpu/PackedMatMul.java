package dev.kiln.cpu;

import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Packing;
import dev.kiln.cpu.packed.Q8Activations;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * Repacked weights times activations quantized to 8 bits, split by row groups across {@link CpuThreads}: the
 * integer path of {@link dev.kiln.core.spi.MatMulPrecision#Q8}. The activations are quantized once per call on the
 * calling thread (cols per token, next to rows x cols multiply-adds), then each task runs the kernel on its row
 * groups for every token, so a group's weights are read from memory once and stay in cache across the tokens.
 *
 * <p>Not thread-safe: one call at a time per instance.
 */
final class PackedMatMul {
    private final CpuThreads threads;
    private final Q8Activations blocks256 = new Q8Activations(256);
    private final Q8Activations blocks32 = new Q8Activations(32);
    private final RangeTask groupTask = this::groups;
    /** Per thread: a kernel call's outputs when its rows run past the last row. */
    private final ThreadLocal<float[]> tail = new ThreadLocal<>();

    // Per-call state, read by the group task.
    private PackedKernel kernel;
    private PackedMatrix matrix;
    private Q8Activations x;
    private float[] out;

    PackedMatMul(CpuThreads threads) {
        this.threads = Objects.requireNonNull(threads, "threads");
    }

    /** A kernel call at most this slow per weight counts as compiled by C2 (C2: ~0.03 ns, C1: several ns). */
    private static final double COMPILED_NANOS_PER_WEIGHT = 0.5;
    /** Consecutive compiled-speed calls of each kernel that end a warm-up. */
    private static final int WARM_CALLS = 200;
    /** Longest warm-up per type. */
    private static final long WARM_UP_NANOS = 5_000_000_000L;

    /**
     * Runs both kernels of {@code kernel} on a small all-zero matrix until C2 has compiled them: interpreted or
     * C1-compiled, Vector API code is a hundred times slower, and a model's first tokens would wait for the compiler.
     * The matrix has two blocks per row so that every branch the real matrices take is taken (a branch never seen
     * would make C2's code trap back to the interpreter later), and is read through the same kind of segment as the
     * model's ({@link PackedMatrix#uncheckedView()}): warmed up on the arena's own segment, the kernels trapped out
     * of C2's code at the model's first products ("profile_predicate" in the loop of the Q4_K batch kernel, seen in
     * {@code -XX:+LogCompilation}) and were compiled again, up to four times. Returns when both kernels have run at compiled speed
     * {@link #WARM_CALLS} times in a row, or after {@link #WARM_UP_NANOS}.
     */
    static void warmUp(PackedKernel kernel, int groupRows) {
        try (Arena arena = Arena.ofConfined()) {
            int cols = 2 * kernel.blockLength();
            PackedMatrix m = Packing.allocate("warm-up." + kernel.type(), kernel.type(), 2 * groupRows, cols, kernel,
                    groupRows, arena).uncheckedView(); // the kind of segment the model's matrices are
            Q8Activations x = new Q8Activations(kernel.activationBlock());
            x.quantize(new float[Q8Activations.TOKEN_BLOCK * cols], Q8Activations.TOKEN_BLOCK, cols);
            float[] out = new float[Q8Activations.TOKEN_BLOCK * 2 * groupRows];
            double pairLimit = COMPILED_NANOS_PER_WEIGHT * 2 * groupRows * cols;
            double quadLimit = COMPILED_NANOS_PER_WEIGHT * Q8Activations.TOKEN_BLOCK * groupRows * cols;
            long deadline = System.nanoTime() + WARM_UP_NANOS;
            int fastPairs = 0;
            int fastQuads = 0;
            for (int i = 0; (fastPairs < WARM_CALLS || fastQuads < WARM_CALLS) && System.nanoTime() < deadline
                    && !Thread.currentThread().isInterrupted(); i++) {
                long t0 = System.nanoTime();
                kernel.multiplyPair(m, 0, x, i % Q8Activations.TOKEN_BLOCK, out, 0);
                long t1 = System.nanoTime();
                kernel.multiplyQuad(m, i & 1, x, 0, out, 0, 2 * groupRows);
                long t2 = System.nanoTime();
                fastPairs = t1 - t0 <= pairLimit ? fastPairs + 1 : 0;
                fastQuads = t2 - t1 <= quadLimit ? fastQuads + 1 : 0;
            }
        }
    }

    /** {@code out [tokens][rows] = x [tokens][cols] · wᵀ}. */
    void apply(CpuTensor.Packed w, float[] x, float[] out, int tokens) {
        PackedMatrix m = w.matrix();
        if (tokens < 1) {
            throw new IllegalArgumentException("tensor " + m.name() + ": tokens must be >= 1, found " + tokens);
        }
        if ((long) tokens * m.cols() > x.length) {
            throw new IllegalArgumentException("tensor " + m.name() + ": x needs [" + tokens + "][" + m.cols()
                    + "] floats, found " + x.length);
        }
        if ((long) tokens * m.rows() > out.length) {
            throw new IllegalArgumentException("tensor " + m.name() + ": out needs [" + tokens + "][" + m.rows()
                    + "] floats, found " + out.length);
        }
        if (!w.warmUp().isDone()) {
            w.warmUp().join(); // the first product of a type waits for the kernels to be compiled (never fails)
        }
        Q8Activations q = w.kernel().activationBlock() == 256 ? blocks256 : blocks32;
        q.quantize(x, tokens, m.cols());
        this.kernel = w.kernel();
        this.matrix = m;
        this.x = q;
        this.out = out;
        try {
            threads.parallelFor(m.groups() / 2, groupTask);
        } finally {
            this.matrix = null;
            this.x = null;
            this.out = null;
        }
    }

    /**
     * Group pairs [start, end). A single token (decode) goes through the decode kernel, two groups at a time. Two or
     * more go through the batched kernel in blocks of four, group by group, the last block padded with the zero
     * tokens {@link Q8Activations} keeps (one pass over the weights instead of one per leftover token).
     */
    private void groups(int start, int end) {
        PackedKernel k = kernel;
        PackedMatrix m = matrix;
        Q8Activations q = x;
        float[] o = out;
        int rows = m.rows();
        int groupRows = m.groupRows();
        int tokens = q.tokens();
        float[] buffer = tail.get(); // [TOKEN_BLOCK][groupRows], or [2 groupRows]
        if (buffer == null) {
            buffer = new float[Q8Activations.TOKEN_BLOCK * groupRows];
            tail.set(buffer);
        }
        for (int pair = start; pair < end; pair++) {
            int g = 2 * pair;
            if (tokens == 1) {
                int first = g * groupRows;
                int valid = Math.min(2 * groupRows, rows - first);
                if (valid == 2 * groupRows) {
                    k.multiplyPair(m, g, q, 0, o, first);
                } else {
                    k.multiplyPair(m, g, q, 0, buffer, 0);
                    System.arraycopy(buffer, 0, o, first, valid);
                }
                continue;
            }
            for (int gi = g; gi < g + 2; gi++) {
                int first = gi * groupRows;
                int valid = Math.min(groupRows, rows - first);
                if (valid <= 0) {
                    break; // the padding group of an odd count
                }
                for (int t = 0; t < tokens; t += Q8Activations.TOKEN_BLOCK) {
                    int n = Math.min(Q8Activations.TOKEN_BLOCK, tokens - t);
                    if (valid == groupRows && n == Q8Activations.TOKEN_BLOCK) {
                        k.multiplyQuad(m, gi, q, t, o, t * rows + first, rows);
                    } else {
                        k.multiplyQuad(m, gi, q, t, buffer, 0, groupRows);
                        for (int i = 0; i < n; i++) {
                            System.arraycopy(buffer, i * groupRows, o, (t + i) * rows + first, valid);
                        }
                    }
                }
            }
        }
    }
}
