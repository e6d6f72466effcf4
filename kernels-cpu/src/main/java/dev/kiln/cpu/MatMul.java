package dev.kiln.cpu;

import dev.kiln.cpu.quant.QuantKernel;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.util.Arrays;
import java.util.Objects;

/**
 * Quantized weight matrix times float activations, split by rows across {@link CpuThreads}: the entry point the
 * engine's CPU ops call. Weights stay in their GGUF type. Decode (one token, or a few) runs the fused
 * {@link QuantKernel#dot} per row, reading each weight byte once. A batch decodes a tile of rows into a per-thread
 * float buffer that stays in L2 ({@link #TILE_BYTES}) and multiplies it with up to {@link #TOKEN_BLOCK} tokens
 * ({@link FloatTile}), so a weight row is read and unpacked once per block of 32 tokens, not once per token. All of it
 * is float arithmetic on the exact dequantized weights (no activation quantization).
 *
 * <p>Not thread-safe: one call at a time per instance (the per-call state lives in fields so that a call allocates
 * nothing).
 */
public final class MatMul {
    /** Batches of at least this many tokens unpack row tiles; smaller ones use the fused dot per row and token. */
    static final int BATCH_MIN_TOKENS = 4;
    /** Target size of a thread's decoded row tile: fits in L2 next to the activations it is multiplied with. */
    static final int TILE_BYTES = 256 * 1024;
    /**
     * Tokens multiplied with one decoded tile. Larger batches go through the rows again per block of tokens (decoding
     * each tile again, cheap next to the multiply) so the block's activations stay in cache instead of the whole
     * batch streaming from memory once per tile.
     */
    static final int TOKEN_BLOCK = 32;
    /**
     * Batches whose activations take at most this many bytes decode each tile once and multiply it with every
     * token block (measured faster: 2048 cols x 512 tokens, 5632 x 64); larger ones stream per token block as above
     * (5632 x 512 was 15% slower with the whole batch per tile).
     */
    static final long BATCH_BYTES = 4L << 20;

    private final CpuThreads threads;
    private final VectorSpecies<Float> species;
    private final TileProduct tile;
    private final RangeTask rowTask = this::rows;
    private final ThreadLocal<float[]> tileBuffer = new ThreadLocal<>();

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
        this.tile = Specialiser.instance(MethodHandles.lookup(), FloatTile.class, TileProduct.class, species);
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
            throw new IllegalArgumentException("tensor " + w.name() + ": shape " + Arrays.toString(w.shape())
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

    /**
     * Runs the kernels for {@code type} (decode and batched paths) on a small all-zero matrix until the JIT has
     * compiled them: interpreted, Vector API code is hundreds of times slower than compiled, so a model's first
     * token would otherwise wait for the compiler. Takes well under a second per type; call it at model load, for
     * each weight type the model uses (from several threads in parallel if wanted).
     */
    public void warmUp(GgmlType type) {
        int cols = 4 * Math.max(type.blockSize(), 64);
        int rows = 32;
        int tokens = BATCH_MIN_TOKENS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeros = arena.allocate(type.byteSize((long) rows * cols), 64); // [rows][cols], zeroed
            TensorData w = new TensorData(new TensorInfo("warm-up." + type, new long[] {cols, rows}, type, 0), zeros);
            float[] x = new float[tokens * cols]; // [tokens][cols]
            float[] y = new float[tokens * rows]; // [tokens][rows]
            MatMul single = new MatMul(WARM_UP_THREADS, species);
            for (int i = 0; i < WARM_UP_CALLS; i++) {
                single.apply(w, x, y, 1);
                if (i % 2 == 0) {
                    single.apply(w, x, y, tokens);
                }
            }
        }
    }

    /** Calls per warm-up: enough for C2 to compile the dot and decode loops (tier 4 needs ~10^4 invocations). */
    private static final int WARM_UP_CALLS = 600;
    private static final CpuThreads WARM_UP_THREADS = new CpuThreads(1);

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
        if (tokens < BATCH_MIN_TOKENS) {
            for (int r = start; r < end; r++) {
                long offset = r * rowBytes;
                for (int t = 0; t < tokens; t++) {
                    out[t * n + r] = k.dot(wseg, offset, x, t * c, c);
                }
            }
            return;
        }
        // a multiple of FloatTile's 4-row block (11 rows of 5632 would leave 3 rows to its slow 1 x 1 edge)
        int tileRows = Math.max(1, Math.min(end - start, Math.max(4, TILE_BYTES / (4 * c) & ~3)));
        float[] buffer = tileBuffer.get(); // [tileRows][cols]
        if (buffer == null || buffer.length < tileRows * c) {
            buffer = new float[tileRows * c];
            tileBuffer.set(buffer);
        }
        if ((long) tokens * c * 4 <= BATCH_BYTES) {
            // the whole batch stays in cache: decode each tile once, multiply it with every block of tokens
            for (int r = start; r < end; r += tileRows) {
                int rows = Math.min(tileRows, end - r);
                k.decode(wseg, r * rowBytes, buffer, 0, rows * c);
                for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
                    tile.multiply(buffer, rows, c, x, t0 * c, Math.min(TOKEN_BLOCK, tokens - t0), out, t0 * n + r, n);
                }
            }
            return;
        }
        for (int t0 = 0; t0 < tokens; t0 += TOKEN_BLOCK) {
            int tb = Math.min(TOKEN_BLOCK, tokens - t0);
            for (int r = start; r < end; r += tileRows) {
                int rows = Math.min(tileRows, end - r);
                k.decode(wseg, r * rowBytes, buffer, 0, rows * c);
                tile.multiply(buffer, rows, c, x, t0 * c, tb, out, t0 * n + r, n);
            }
        }
    }
}
