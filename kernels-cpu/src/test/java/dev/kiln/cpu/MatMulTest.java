package dev.kiln.cpu;

import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * MatMul against a float64 reference built from the scalar dequantizer: odd row counts, decode (1 token) and batches,
 * 1-3 threads, every species; row() equals the scalar dequantizer.
 */
class MatMulTest {

    /** Same bound as the kernels' dot tolerance (see dev.kiln.cpu.quant.Tolerances): float32 sums in another order. */
    static final double RELATIVE = 2e-5;

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
            "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL"})
    void matchesReference(GgmlType type) {
        Random random = new Random(42 + type.ordinal());
        int cols = type.blockSize() == 1 ? 260 : 2 * Math.max(type.blockSize(), 128);
        for (int rows : new int[] {1, 7, 37}) {
            TensorData w = tensor(type, cols, rows, random);
            float[] deq = new float[rows * cols]; // [rows][cols]
            QuantKernels.of(type).dequantize(w.segment(), 0, deq, 0, rows * cols);
            for (int tokens : new int[] {1, 7, 33}) {
                float[] x = new float[tokens * cols]; // [tokens][cols]
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                for (int threads = 1; threads <= 3; threads++) {
                    for (int bits : new int[] {128, 256, 512}) {
                        try (CpuThreads pool = new CpuThreads(threads)) {
                            float[] out = new float[tokens * rows]; // [tokens][rows]
                            new MatMul(pool, Species.ofBits(bits)).apply(w, x, out, tokens);
                            for (int t = 0; t < tokens; t++) {
                                for (int r = 0; r < rows; r++) {
                                    double exact = 0, magnitude = 0;
                                    for (int i = 0; i < cols; i++) {
                                        double p = (double) deq[r * cols + i] * x[t * cols + i];
                                        exact += p;
                                        magnitude += Math.abs(p);
                                    }
                                    float got = out[t * rows + r];
                                    if (!(Math.abs(got - exact) <= RELATIVE * magnitude + 1e-30)) {
                                        fail(type + " rows=" + rows + " tokens=" + tokens + " threads=" + threads
                                                + " bits=" + bits + ": out[" + t + "][" + r + "] = " + got
                                                + ", reference " + exact);
                                    }
                                }
                            }
                        }
                    }
                }
            }
            try (CpuThreads pool = new CpuThreads(1)) {
                MatMul mm = new MatMul(pool);
                float[] row = new float[cols + 3];
                mm.row(w, rows - 1, row, 3);
                assertArrayEquals(Arrays.copyOfRange(deq, (rows - 1) * cols, rows * cols),
                        Arrays.copyOfRange(row, 3, cols + 3), type + " row lookup");
                assertThrows(IndexOutOfBoundsException.class, () -> mm.row(w, rows, row, 0));
                assertThrows(IllegalArgumentException.class, () -> mm.apply(w, new float[cols - 1], new float[rows], 1));
            }
        }
    }

    /**
     * Rows long enough that a thread's share spans several L2 tiles, including a short last tile; a small batch
     * (each tile decoded once) and one over {@link MatMul#BATCH_BYTES} (tiles decoded per token block).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_K", "Q8_0", "F16"})
    void batchesSpanningSeveralTiles(GgmlType type) {
        Random random = new Random(7 + type.ordinal());
        int cols = 4096;
        int rows = 2 * (MatMul.TILE_BYTES / (4 * cols)) + 3;
        TensorData w = tensor(type, cols, rows, random);
        float[] deq = new float[rows * cols]; // [rows][cols]
        QuantKernels.of(type).dequantize(w.segment(), 0, deq, 0, rows * cols);
        for (int tokens : new int[] {MatMul.BATCH_MIN_TOKENS + 1, (int) (MatMul.BATCH_BYTES / (4 * cols)) + 3}) {
            float[] x = new float[tokens * cols]; // [tokens][cols]
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] out = new float[tokens * rows]; // [tokens][rows]
            try (CpuThreads pool = new CpuThreads(2)) {
                new MatMul(pool).apply(w, x, out, tokens);
            }
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < cols; i++) {
                        double p = (double) deq[r * cols + i] * x[t * cols + i];
                        exact += p;
                        magnitude += Math.abs(p);
                    }
                    if (!(Math.abs(out[t * rows + r] - exact) <= RELATIVE * magnitude)) {
                        fail(type + ": tokens " + tokens + ": out[" + t + "][" + r + "] = " + out[t * rows + r]
                                + ", reference " + exact);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void warmUpRuns() {
        try (CpuThreads pool = new CpuThreads(1)) {
            new MatMul(pool, Species.ofBits(256)).warmUp(GgmlType.Q4_0);
        }
    }

    static TensorData tensor(GgmlType type, int cols, int rows, Random random) {
        byte[] bytes = new byte[(int) type.byteSize((long) cols * rows)];
        MemorySegment seg = MemorySegment.ofArray(bytes);
        // Reuse the kernel tests' generator through a fresh copy per row kind: random blocks with finite scales.
        MemorySegment generated = dev.kiln.cpu.quant.TestBlocks.random(type, cols * rows, random);
        seg.copyFrom(generated);
        return new TensorData(new TensorInfo("w", new long[] {cols, rows}, type, 0), seg);
    }
}
