package dev.kiln.cpu;

import dev.kiln.cpu.quant.QuantKernel;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.TensorData;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Quantized weight matrix times float activations, split by rows across {@link CpuThreads}: the entry point the
 * engine's CPU ops call. Weights stay in their GGUF type; each row is decoded once per call and reused for every
 * token while it is in cache.
 *
 * <p>Not thread-safe: one call at a time per instance (the per-call state lives in fields so that a call allocates
 * nothing).
 */
public final class MatMul {
    private final CpuThreads threads;
    private final VectorSpecies<Float> species;
    private final RangeTask rowTask = this::rows;

    // Per-call state, read by the row task.
    private QuantKernel kernel;
    private MemorySegment weights;
    private long rowBytes;
    private int rowCount;
    private int cols;
    private float[] x;
    private float[] out;
    private int tokens;

    public MatMul(CpuThreads threads) {
        this(threads, Species.preferred());
    }

    public MatMul(CpuThreads threads, VectorSpecies<Float> species) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.species = Objects.requireNonNull(species, "species");
    }

    /**
     * {@code out = x · wᵀ}: {@code w} is {@code [rows][cols]} in GGUF layout ({@code ne[0] = cols}), {@code x} is F32
     * {@code [tokens][cols]}, {@code out} is F32 {@code [tokens][rows]}. {@code tokens == 1} is decode (matrix x vector).
     */
    public void apply(TensorData w, float[] x, float[] out, int tokens) {
        QuantKernel k = kernelFor(w);
        long rows = w.rowCount();
        long c = w.rowLength();
        if (rows > Integer.MAX_VALUE || c > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + w.name() + ": shape " + java.util.Arrays.toString(w.shape())
                    + " too large for a matmul");
        }
        if (tokens < 1) {
            throw new IllegalArgumentException("tensor " + w.name() + ": tokens must be >= 1, found " + tokens);
        }
        if ((long) tokens * c > x.length) {
            throw new IllegalArgumentException("tensor " + w.name() + ": x needs [" + tokens + "][" + c
                    + "] floats, found " + x.length);
        }
        if ((long) tokens * rows > out.length) {
            throw new IllegalArgumentException("tensor " + w.name() + ": out needs [" + tokens + "][" + rows
                    + "] floats, found " + out.length);
        }
        this.kernel = k;
        this.weights = w.segment();
        this.rowBytes = w.info().rowSizeBytes();
        this.rowCount = (int) rows;
        this.cols = (int) c;
        this.x = x;
        this.out = out;
        this.tokens = tokens;
        try {
            threads.parallelFor(rowCount, rowTask);
        } finally {
            this.x = null;
            this.out = null;
            this.weights = null;
        }
    }

    /** Row lookup (token embedding), every type: {@code dst[dstOffset .. dstOffset+cols)} = dequantized row {@code row}. */
    public void row(TensorData w, int row, float[] dst, int dstOffset) {
        QuantKernel k = kernelFor(w);
        Objects.checkIndex(row, w.rowCount());
        k.dequantize(w.segment(), row * w.info().rowSizeBytes(), dst, dstOffset, (int) w.rowLength());
    }

    private QuantKernel kernelFor(TensorData w) {
        if (!QuantKernels.supports(w.type())) {
            throw new IllegalArgumentException("tensor " + w.name() + ": ggml type " + w.type()
                    + " has no CPU kernel");
        }
        return QuantKernels.of(w.type(), species);
    }

    private void rows(int start, int end) {
        QuantKernel k = kernel;
        MemorySegment wseg = weights;
        int c = cols;
        int n = rowCount;
        for (int r = start; r < end; r++) {
            long offset = r * rowBytes;
            for (int t = 0; t < tokens; t++) {
                out[t * n + r] = k.dot(wseg, offset, x, t * c, c);
            }
        }
    }
}
