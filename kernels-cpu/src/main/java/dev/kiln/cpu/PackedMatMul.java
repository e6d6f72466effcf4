package dev.kiln.cpu;

import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Q8Activations;

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
    /** Per thread: one group's outputs when the group runs past the last row. */
    private final ThreadLocal<float[]> tail = new ThreadLocal<>();

    // Per-call state, read by the group task.
    private PackedKernel kernel;
    private PackedMatrix matrix;
    private Q8Activations x;
    private float[] out;

    PackedMatMul(CpuThreads threads) {
        this.threads = Objects.requireNonNull(threads, "threads");
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
        Q8Activations q = w.kernel().activationBlock() == 256 ? blocks256 : blocks32;
        q.quantize(x, tokens, m.cols());
        this.kernel = w.kernel();
        this.matrix = m;
        this.x = q;
        this.out = out;
        try {
            threads.parallelFor(m.groups(), groupTask);
        } finally {
            this.matrix = null;
            this.x = null;
            this.out = null;
        }
    }

    private void groups(int start, int end) {
        PackedKernel k = kernel;
        PackedMatrix m = matrix;
        Q8Activations q = x;
        float[] o = out;
        int rows = m.rows();
        int groupRows = m.groupRows();
        for (int g = start; g < end; g++) {
            int first = g * groupRows;
            int valid = Math.min(groupRows, rows - first);
            for (int t = 0, tokens = q.tokens(); t < tokens; t++) {
                if (valid == groupRows) {
                    k.multiply(m, g, q, t, o, t * rows + first);
                } else {
                    float[] buffer = tail.get();
                    if (buffer == null || buffer.length < groupRows) {
                        buffer = new float[groupRows];
                        tail.set(buffer);
                    }
                    k.multiply(m, g, q, t, buffer, 0);
                    System.arraycopy(buffer, 0, o, t * rows + first, valid);
                }
            }
        }
    }
}
