package dev.kiln.cpu;

import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedKernels;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Q8Activations;
import dev.kiln.cpu.quant.QuantKernel;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.cpu.quant.RandomBlocks;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU backend's integer path end to end: upload repacks, {@code matMul} splits row groups over threads and
 * token blocks over the kernels, and every output equals the type's scalar reference bit for bit, for a row count that
 * leaves a partial and a padding group and for token counts that leave partial blocks of four.
 */
class PackedMatMulTest {

    static final GgmlType[] TYPES = {GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K,
            GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.IQ4_NL};

    @Test
    void everyOutputEqualsTheScalarReference() {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        Random random = new Random(5);
        for (GgmlType type : TYPES) {
            int rows = 2 * groupRows + 5; // three groups (one partial) and a padding group
            int cols = 2 * PackedKernels.of(type).blockLength();
            assertProductsEqualTheReference(type, rows, cols, new int[] {1, 2, 3, 4, 5, 7, 8, 9, 13}, random);
        }
    }

    /**
     * Products of one input in one call (q, k, v; gate, up): matrices of different types, activation blocks (256 and
     * 32) and row counts (partial and padding groups, a matrix of one pair first) share one quantizing pass and one
     * range of 14 pairs, whose chunks cross from one matrix to the next (two threads claim 3, 2, 2, ... pairs; one
     * thread runs the whole range in one call); every output equals its type's scalar reference bit for bit, both
     * through {@link PackedMatMul} and through the backend's {@code matMuls}.
     */
    @Test
    void productsOfOneInputInOneCallEqualTheScalarReference() {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        Random random = new Random(12);
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_0, GgmlType.Q4_K};
        int[] rows = {groupRows - 3, 2 * groupRows + 5, 3 * groupRows, 16 * groupRows + 1}; // 1 + 2 + 2 + 9 pairs
        for (int cols : new int[] {512, 4096}) { // 4096: 8 and 9 tokens are quantized on the pool
            MemorySegment[] bytes = new MemorySegment[types.length];
            TensorData[] data = new TensorData[types.length];
            for (int i = 0; i < types.length; i++) {
                bytes[i] = RandomBlocks.generate(types[i], rows[i] * cols, 0, RandomBlocks.Kind.RANDOM, random);
                data[i] = new TensorData(
                        new TensorInfo("w" + i + "." + types[i], new long[] {cols, rows[i]}, types[i], 0), bytes[i]);
            }
            try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8); CpuThreads one = new CpuThreads(1);
                 CpuThreads two = new CpuThreads(2)) {
                CpuTensor.Packed[] packed = new CpuTensor.Packed[types.length];
                for (int i = 0; i < types.length; i++) {
                    packed[i] = (CpuTensor.Packed) cpu.upload(data[i]);
                }
                for (int tokens : new int[] {1, 3, 8, 9}) {
                    float[] x = new float[tokens * cols];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) random.nextGaussian();
                    }
                    for (CpuThreads threads : new CpuThreads[] {one, two}) {
                        float[][] y = outputs(rows, tokens);
                        new PackedMatMul(threads).apply(packed, x, y, tokens);
                        assertEqualTheReference(types, bytes, rows, cols, x, tokens, y,
                                "PackedMatMul, " + threads.threads() + " threads");
                    }

                    DeviceTensor xt = cpu.allocate(x.length);
                    cpu.fromHost(x, xt, x.length);
                    DeviceTensor[] outs = new DeviceTensor[types.length];
                    for (int i = 0; i < types.length; i++) {
                        outs[i] = cpu.allocate((long) tokens * rows[i]);
                    }
                    cpu.ops().matMuls(outs, packed, xt, tokens);
                    float[][] y = outputs(rows, tokens);
                    for (int i = 0; i < types.length; i++) {
                        cpu.toHost(outs[i], y[i], 0, y[i].length);
                    }
                    assertEqualTheReference(types, bytes, rows, cols, x, tokens, y, "matMuls");
                }
            }
        }
    }

    private static float[][] outputs(int[] rows, int tokens) {
        float[][] y = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            y[i] = new float[tokens * rows[i]];
        }
        return y;
    }

    /**
     * What the backend does not run as one runs one by one, with the outputs of matMul called in turn: a float matrix
     * among them, an output that is the input (the second product then reads the first one's output), two outputs
     * that are one buffer (the last product's values stay).
     */
    @Test
    void productsOfOneInputTheBackendCannotRunAsOneRunOneByOne() {
        int cols = 256;
        Random random = new Random(13);
        MemorySegment q4 = RandomBlocks.generate(GgmlType.Q4_K, cols * cols, 0, RandomBlocks.Kind.RANDOM, random);
        MemorySegment q6 = RandomBlocks.generate(GgmlType.Q6_K, cols * cols, 0, RandomBlocks.Kind.RANDOM, random);
        MemorySegment f16 = RandomBlocks.generate(GgmlType.F16, cols * cols, 0, RandomBlocks.Kind.RANDOM, random);
        try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8)) {
            DeviceTensor a = cpu.upload(new TensorData(new TensorInfo("q4", new long[] {cols, cols}, GgmlType.Q4_K, 0), q4));
            DeviceTensor b = cpu.upload(new TensorData(new TensorInfo("q6", new long[] {cols, cols}, GgmlType.Q6_K, 0), q6));
            DeviceTensor f = cpu.upload(new TensorData(new TensorInfo("f16", new long[] {cols, cols}, GgmlType.F16, 0), f16));
            assertInstanceOf(CpuTensor.Weights.class, f);
            int tokens = 3;
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            int n = tokens * cols;
            // {mixed: packed and float}, {output 0 is x}, {outputs 0 and 1 are one buffer}
            for (int mix = 0; mix < 3; mix++) {
                DeviceTensor[] w = mix == 0 ? new DeviceTensor[] {a, f} : new DeviceTensor[] {a, b};
                DeviceTensor xTogether = cpu.allocate(n);
                DeviceTensor xApart = cpu.allocate(n);
                cpu.fromHost(x, xTogether, n);
                cpu.fromHost(x, xApart, n);
                DeviceTensor[] together = {mix == 1 ? xTogether : cpu.allocate(n), cpu.allocate(n)};
                DeviceTensor[] apart = {mix == 1 ? xApart : cpu.allocate(n), cpu.allocate(n)};
                if (mix == 2) {
                    together[1] = together[0];
                    apart[1] = apart[0];
                }
                cpu.ops().matMuls(together, w, xTogether, tokens);
                for (int i = 0; i < w.length; i++) {
                    cpu.ops().matMul(apart[i], w[i], xApart, tokens);
                }
                for (int i = 0; i < w.length; i++) {
                    float[] got = new float[n];
                    float[] expected = new float[n];
                    cpu.toHost(together[i], got, 0, n);
                    cpu.toHost(apart[i], expected, 0, n);
                    assertArrayEquals(expected, got, "case " + mix + ", output " + i);
                }
            }
        }
    }

    /**
     * Products of one input must share its width: a matrix of another width is refused by name, and the same
     * instance then runs a valid call correctly; on a closed backend matMuls fails by name too.
     */
    @Test
    void productsOfOneInputOfAnotherWidthAreRefusedAndAClosedBackendFails() {
        Random random = new Random(14);
        MemorySegment a = RandomBlocks.generate(GgmlType.Q4_K, 32 * 256, 0, RandomBlocks.Kind.RANDOM, random);
        MemorySegment b = RandomBlocks.generate(GgmlType.Q4_K, 32 * 512, 0, RandomBlocks.Kind.RANDOM, random);
        CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8);
        try (CpuThreads threads = new CpuThreads(2)) {
            CpuTensor.Packed[] w = {
                    (CpuTensor.Packed) cpu.upload(new TensorData(new TensorInfo("a", new long[] {256, 32}, GgmlType.Q4_K, 0), a)),
                    (CpuTensor.Packed) cpu.upload(new TensorData(new TensorInfo("b", new long[] {512, 32}, GgmlType.Q4_K, 0), b))};
            PackedMatMul product = new PackedMatMul(threads);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> product.apply(w, new float[512], new float[][] {new float[32], new float[32]}, 1));
            assertEquals("tensor b: products of one input need the same width, found 512 columns against 256",
                    e.getMessage());

            float[] x = new float[2 * 256];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[][] y = {new float[2 * 32], new float[2 * 32]};
            product.apply(new CpuTensor.Packed[] {w[0], w[0]}, x, y, 2);
            GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q4_K};
            assertEqualTheReference(types, new MemorySegment[] {a, a}, new int[] {32, 32}, 256, x, 2, y,
                    "after a refused call");

            cpu.close();
            DeviceTensor[] outs = {cpu.allocate(32), cpu.allocate(32)};
            IllegalStateException closed = assertThrows(IllegalStateException.class,
                    () -> cpu.ops().matMuls(outs, new DeviceTensor[] {w[0], w[0]}, cpu.allocate(256), 1));
            assertEquals("tensor a: the CPU backend is closed", closed.getMessage());
        } finally {
            cpu.close();
        }
    }

    /** y[i] [tokens][rows[i]] against each matrix's scalar reference on the quantized x, bit for bit. */
    private static void assertEqualTheReference(GgmlType[] types, MemorySegment[] bytes, int[] rows, int cols, float[] x,
                                                int tokens, float[][] y, String path) {
        for (int i = 0; i < types.length; i++) {
            PackedKernel kernel = PackedKernels.of(types[i]);
            Q8Activations q = new Q8Activations(kernel.activationBlock());
            q.quantize(x, tokens, cols);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows[i]; r++) {
                    assertEquals(kernel.reference(bytes[i], r * types[i].byteSize(cols), cols, q, t), y[i][t * rows[i] + r],
                            path + ", matrix " + i + " (" + types[i] + "), " + cols + " columns, " + tokens + " tokens: row "
                                    + r + " token " + t);
                }
            }
        }
    }

    /** The read-ahead pass: the property decides where set, else the vector width; anything else is refused. */
    @Test
    void readAheadFollowsThePropertyElseTheVectorWidth() {
        assertTrue(PackedMatMul.readsAhead(null, 512));
        assertFalse(PackedMatMul.readsAhead(null, 256));
        assertFalse(PackedMatMul.readsAhead(" ", 128));
        assertTrue(PackedMatMul.readsAhead("true", 256));
        assertTrue(PackedMatMul.readsAhead(" true ", 128));
        assertFalse(PackedMatMul.readsAhead("false", 512));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PackedMatMul.readsAhead("yes", 512));
        assertEquals("kiln.cpu.readahead: expected true or false, found 'yes'", e.getMessage());
    }

    /** From how many tokens batches run in float: the property decides where set, else the vector width. */
    @Test
    void floatBatchesFollowThePropertyElseTheVectorWidth() {
        assertEquals(PackedMatMul.FLOAT_BATCH_MIN, PackedMatMul.floatBatchTokens(null, 256));
        assertEquals(PackedMatMul.FLOAT_BATCH_OFF, PackedMatMul.floatBatchTokens(null, 512));
        assertEquals(PackedMatMul.FLOAT_BATCH_OFF, PackedMatMul.floatBatchTokens(" ", 128));
        assertEquals(PackedMatMul.FLOAT_BATCH_OFF, PackedMatMul.floatBatchTokens("off", 256));
        assertEquals(40, PackedMatMul.floatBatchTokens(" 40 ", 512));
        assertEquals(2, PackedMatMul.floatBatchTokens("2", 256));
        for (String bad : new String[] {"1", "0", "-3", "many", "16 tokens"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PackedMatMul.floatBatchTokens(bad, 256));
            assertEquals("kiln.cpu.floatbatch: expected a token count of at least 2 or off, found '" + bad + "'",
                    e.getMessage());
        }
    }

    /**
     * Batches in float, in one call with a type that does not decode: Q4_K, Q5_K and Q6_K matrices (a partial group,
     * a padding group; 1280 columns, so a panel of 1024 and one of 256) and a Q8_0 one, with float batches from two
     * tokens. Each decoding type's output equals the scalar float product, {@code Math.fma} over the dequantized row
     * and the unquantized activations in column order, bit for bit (so it cannot depend on the batch size or the
     * panel boundaries); Q8_0's equals its integer reference, and so does every product of one token.
     */
    @Test
    void floatBatchesEqualTheScalarFloatProductAndOtherTypesStayInteger() {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        Random random = new Random(21);
        GgmlType[] types = {GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q8_0};
        int[] rows = {2 * groupRows + 5, groupRows - 3, 3 * groupRows, 2 * groupRows + 5};
        int cols = 1280;
        MemorySegment[] bytes = new MemorySegment[types.length];
        try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8); CpuThreads two = new CpuThreads(2)) {
            CpuTensor.Packed[] packed = new CpuTensor.Packed[types.length];
            for (int i = 0; i < types.length; i++) {
                bytes[i] = RandomBlocks.generate(types[i], rows[i] * cols, 0, RandomBlocks.Kind.RANDOM, random);
                packed[i] = (CpuTensor.Packed) cpu.upload(new TensorData(
                        new TensorInfo("w" + i + "." + types[i], new long[] {cols, rows[i]}, types[i], 0), bytes[i]));
            }
            PackedMatMul product = new PackedMatMul(two, 2);
            for (int tokens : new int[] {1, 2, 7, 19}) {
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                float[][] y = outputs(rows, tokens);
                for (float[] o : y) {
                    java.util.Arrays.fill(o, Float.NaN); // every output must be written, not added to
                }
                long floatsBefore = product.floatProducts();
                product.apply(packed, x, y, tokens);
                assertEquals(tokens >= 2 ? 3 : 0, product.floatProducts() - floatsBefore, tokens + " tokens");
                for (int i = 0; i < types.length; i++) {
                    boolean inFloat = tokens >= 2 && types[i] != GgmlType.Q8_0;
                    assertEquals(inFloat, product.runsInFloat(packed[i], tokens), types[i] + ", " + tokens + " tokens");
                    if (!inFloat) {
                        assertEqualTheReference(new GgmlType[] {types[i]}, new MemorySegment[] {bytes[i]},
                                new int[] {rows[i]}, cols, x, tokens, new float[][] {y[i]}, "integer");
                        continue;
                    }
                    QuantKernel exact = QuantKernels.of(types[i]);
                    float[] w = new float[cols];
                    for (int r = 0; r < rows[i]; r++) {
                        exact.dequantize(bytes[i], r * types[i].byteSize(cols), w, 0, cols);
                        for (int t = 0; t < tokens; t++) {
                            float sum = 0f;
                            for (int j = 0; j < cols; j++) {
                                sum = Math.fma(w[j], x[t * cols + j], sum);
                            }
                            assertEquals(sum, y[i][t * rows[i] + r], types[i] + ", " + tokens + " tokens: row " + r
                                    + " token " + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * A product whose output is its input (a square matrix) reads the activations as they were: float batches would
     * read rows already overwritten, so such a product stays on the integer path, whose quantizing pass reads the
     * input first.
     */
    @Test
    void aFloatBatchWritingItsOwnInputStaysInteger() {
        int cols = 512;
        Random random = new Random(23);
        TensorData w = randomMatrix("square", GgmlType.Q4_K, cols, cols, random);
        try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8); CpuThreads two = new CpuThreads(2)) {
            CpuTensor.Packed packed = (CpuTensor.Packed) cpu.upload(w);
            int tokens = 7;
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] before = x.clone();
            new PackedMatMul(two, 2).apply(packed, x, x, tokens);
            assertEqualTheReference(new GgmlType[] {GgmlType.Q4_K}, new MemorySegment[] {w.segment()},
                    new int[] {cols}, cols, before, tokens, new float[][] {x}, "in place");
        }
    }

    /**
     * An output that is the input keeps the whole call integer: a float product of another matrix would read the
     * input while the aliased product overwrites it. Each output equals its matrix's integer reference on the input as
     * it was (one thread, so the aliased product runs first), and no product ran in float.
     */
    @Test
    void anOutputThatIsTheInputKeepsTheWholeCallInteger() {
        int cols = 512;
        Random random = new Random(29);
        TensorData square = randomMatrix("square", GgmlType.Q4_K, cols, cols, random);
        TensorData other = randomMatrix("other", GgmlType.Q4_K, 48, cols, random);
        try (CpuBackend cpu = new CpuBackend(1, MatMulPrecision.Q8); CpuThreads one = new CpuThreads(1)) {
            CpuTensor.Packed[] packed = {(CpuTensor.Packed) cpu.upload(square), (CpuTensor.Packed) cpu.upload(other)};
            int tokens = 16;
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] before = x.clone();
            float[] y = new float[tokens * 48];
            PackedMatMul product = new PackedMatMul(one, 2);
            product.apply(packed, x, new float[][] {x, y}, tokens);
            assertEquals(0, product.floatProducts());
            assertEqualTheReference(new GgmlType[] {GgmlType.Q4_K, GgmlType.Q4_K},
                    new MemorySegment[] {square.segment(), other.segment()}, new int[] {cols, 48}, cols, before, tokens,
                    new float[][] {x, y}, "aliased call");
        }
    }

    /** The warm-up runs float products where batches run in float (the threshold lowered for them), and none where off. */
    @Test
    void theWarmUpRunsFloatProductsWhereBatchesRunInFloat() {
        Random random = new Random(31);
        try (CpuBackend cpu = new CpuBackend(1, MatMulPrecision.Q8); CpuThreads two = new CpuThreads(2)) {
            CpuTensor.Packed packed = (CpuTensor.Packed) cpu.upload(randomMatrix("a", GgmlType.Q6_K, 40, 2560, random));
            PackedMatMul floats = new PackedMatMul(two, 100);
            int calls = floats.warmUp(packed);
            assertEquals(PackedMatMul.WARM_UP_CALLS * (2 + 2 * PackedMatMul.FLOAT_WARM_UP_CALLS), calls);
            assertEquals(PackedMatMul.WARM_UP_CALLS * 2 * PackedMatMul.FLOAT_WARM_UP_CALLS, floats.floatProducts());
            assertEquals(100, floats.floatBatchTokens(), "the threshold restored");
            PackedMatMul integer = new PackedMatMul(two, PackedMatMul.FLOAT_BATCH_OFF);
            assertEquals(PackedMatMul.WARM_UP_CALLS * 2, integer.warmUp(packed));
            assertEquals(0, integer.floatProducts());
        }
    }

    /** Batches of at least PARALLEL_VALUES activations are quantized on the pool, split by tokens: same outputs. */
    @Test
    void batchesQuantizedOnThePoolEqualTheScalarReference() {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        Random random = new Random(6);
        int cols = 4096;
        int[] tokens = {8, 9};
        for (int t : tokens) {
            assertTrue((long) t * cols >= PackedMatMul.PARALLEL_VALUES, t + " tokens");
        }
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q8_0}) { // activation blocks of 256 and 32
            assertProductsEqualTheReference(type, 2 * groupRows + 5, cols, tokens, random);
        }
    }

    /**
     * Both walks of a batch, group by group and pair by pair, whichever the machine's kernels take: every kernel run
     * through {@link PackedMatMul} with its {@link PackedKernel#batchesPairs()} forced each way gives the reference's
     * outputs (a partial pair, a padding group, partial blocks of four tokens).
     */
    @Test
    void pairByPairAndGroupByGroupBatchesEqualTheScalarReference() {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        Random random = new Random(11);
        int rows = 2 * groupRows + 5;
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0}) {
            int cols = 2 * PackedKernels.of(type).blockLength();
            MemorySegment bytes = RandomBlocks.generate(type, rows * cols, 0, RandomBlocks.Kind.RANDOM, random);
            TensorData w = new TensorData(new TensorInfo("w." + type, new long[] {cols, rows}, type, 0), bytes);
            try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8); CpuThreads threads = new CpuThreads(2)) {
                CpuTensor.Packed packed = (CpuTensor.Packed) cpu.upload(w);
                PackedKernel kernel = packed.kernel();
                for (boolean pairs : new boolean[] {false, true}) {
                    CpuTensor.Packed walked = new CpuTensor.Packed(packed.matrix(), new Walk(kernel, pairs), w);
                    PackedMatMul product = new PackedMatMul(threads);
                    for (int tokens : new int[] {2, 3, 5, 8, 9}) {
                        float[] x = new float[tokens * cols];
                        for (int i = 0; i < x.length; i++) {
                            x[i] = (float) random.nextGaussian();
                        }
                        float[] y = new float[tokens * rows];
                        product.apply(walked, x, y, tokens);
                        Q8Activations q = new Q8Activations(kernel.activationBlock());
                        q.quantize(x, tokens, cols);
                        for (int t = 0; t < tokens; t++) {
                            for (int r = 0; r < rows; r++) {
                                assertEquals(kernel.reference(bytes, r * type.byteSize(cols), cols, q, t), y[t * rows + r],
                                        type + (pairs ? " pair by pair, " : " group by group, ") + tokens
                                                + " tokens: row " + r + " token " + t);
                            }
                        }
                    }
                }
            }
        }
    }

    /** A kernel as it is, but for which way a batch walks it. */
    private record Walk(PackedKernel kernel, boolean pairs) implements PackedKernel {
        @Override
        public boolean batchesPairs() {
            return pairs;
        }

        @Override
        public GgmlType type() {
            return kernel.type();
        }

        @Override
        public int blockLength() {
            return kernel.blockLength();
        }

        @Override
        public int blockBytes(int groupRows) {
            return kernel.blockBytes(groupRows);
        }

        @Override
        public int activationBlock() {
            return kernel.activationBlock();
        }

        @Override
        public void pack(MemorySegment src, long rowBytes, int firstRow, int rows, int cols, int groupRows,
                         MemorySegment dst, long pairOffset, int half) {
            kernel.pack(src, rowBytes, firstRow, rows, cols, groupRows, dst, pairOffset, half);
        }

        @Override
        public void multiplyPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset) {
            kernel.multiplyPair(w, g, x, t, out, outOffset);
        }

        @Override
        public void multiplyQuad(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset,
                                 int outStride) {
            kernel.multiplyQuad(w, g, x, t, out, outOffset, outStride);
        }

        @Override
        public void multiplyQuadPair(PackedMatrix w, int g, Q8Activations x, int t, float[] out, int outOffset,
                                     int outStride) {
            kernel.multiplyQuadPair(w, g, x, t, out, outOffset, outStride);
        }

        @Override
        public float reference(MemorySegment src, long rowOffset, int cols, Q8Activations x, int t) {
            return kernel.reference(src, rowOffset, cols, x, t);
        }
    }

    /** {@code matMul} on a 2-thread backend against the type's scalar reference, bit for bit, for each token count. */
    private static void assertProductsEqualTheReference(GgmlType type, int rows, int cols, int[] tokenCounts, Random random) {
        PackedKernel kernel = PackedKernels.of(type);
        MemorySegment bytes = RandomBlocks.generate(type, rows * cols, 0, RandomBlocks.Kind.RANDOM, random);
        TensorData w = new TensorData(new TensorInfo("w." + type, new long[] {cols, rows}, type, 0), bytes);
        try (CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8)) {
            DeviceTensor packed = cpu.upload(w);
            assertInstanceOf(CpuTensor.Packed.class, packed, type.name());
            for (int tokens : tokenCounts) {
                float[] x = new float[tokens * cols];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                DeviceTensor xt = cpu.allocate(x.length);
                DeviceTensor out = cpu.allocate((long) tokens * rows);
                cpu.fromHost(x, xt, x.length);
                cpu.ops().matMul(out, packed, xt, tokens);
                float[] y = new float[tokens * rows];
                cpu.toHost(out, y, 0, y.length);
                Q8Activations q = new Q8Activations(kernel.activationBlock());
                q.quantize(x, tokens, cols);
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        float expected = kernel.reference(bytes, r * type.byteSize(cols), cols, q, t);
                        assertEquals(expected, y[t * rows + r], type + ", " + tokens + " tokens: row " + r + " token " + t);
                    }
                }
            }
        }
    }

    @Test
    void theFirstMatrixOfEachPackedTypeWarmsItsKernelsUpOnItsFirstPair() {
        int cols = 512;
        Random random = new Random(11);
        try (CpuBackend q8 = new CpuBackend(2, MatMulPrecision.Q8); CpuBackend f32 = new CpuBackend(1, MatMulPrecision.F32);
             CpuThreads threads = new CpuThreads(2)) {
            assertEquals(Set.of(), q8.warmedUp());
            TensorData a = randomMatrix("a", GgmlType.Q4_K, 80, cols, random);
            CpuTensor.Packed packed = (CpuTensor.Packed) q8.upload(a);
            assertEquals(Set.of(GgmlType.Q4_K), q8.warmedUp());
            q8.upload(randomMatrix("b", GgmlType.Q4_K, 48, cols, random));
            q8.upload(randomMatrix("c", GgmlType.Q6_K, 48, cols, random));
            q8.upload(randomMatrix("d", GgmlType.F16, 48, cols, random)); // read in place: no integer kernel to warm
            assertEquals(Set.of(GgmlType.Q4_K, GgmlType.Q6_K), q8.warmedUp(), "each packed type once");
            // a batched and a one-token product a round, and two float batches where batches run in float (all
            // three types decode)
            boolean floats = PackedMatMul.floatBatchTokens(System.getProperty(PackedMatMul.FLOAT_BATCH_PROPERTY),
                    Species.preferred().vectorBitSize()) < PackedMatMul.FLOAT_BATCH_OFF;
            int perType = PackedMatMul.WARM_UP_CALLS * (2 + (floats ? 2 * PackedMatMul.FLOAT_WARM_UP_CALLS : 0));
            assertEquals(2 * perType, q8.warmUpProducts());
            assertTrue(q8.description().contains("kernels warmed up in"), q8.description());
            f32.upload(a);
            assertEquals(Set.of(), f32.warmedUp(), "the float path packs nothing");

            // the warm-up's matrix: the first pair of row groups of the packed one, whose products are its first rows
            PackedMatrix m = packed.matrix();
            PackedMatrix pair = m.firstPair();
            int pairRows = 2 * m.groupRows();
            assertEquals(pairRows, pair.rows());
            assertEquals(2, pair.groups());
            assertEquals(m.pairOffset(1), pair.data().byteSize());
            assertEquals(m.data().address(), pair.data().address(), "the same memory");
            int tokens = 5;
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            float[] all = new float[tokens * m.rows()];
            float[] first = new float[tokens * pairRows];
            PackedMatMul product = new PackedMatMul(threads);
            product.apply(packed, x, all, tokens);
            product.apply(new CpuTensor.Packed(pair, packed.kernel(), packed.source()), x, first, tokens);
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < pairRows; r++) {
                    assertEquals(all[t * m.rows() + r], first[t * pairRows + r], "token " + t + " row " + r);
                }
            }
            // the float warm-up's matrix: the first pair's first blocks (at least one, at most all)
            PackedMatrix head = m.firstPair(300);
            assertEquals(256, head.cols());
            assertEquals(pairRows, head.rows());
            assertEquals(m.data().address(), head.data().address(), "the same memory");
            assertEquals(head.pairOffset(1), head.data().byteSize());
            assertEquals(pair.data().byteSize() / 2, head.data().byteSize(), "one block of two");
            assertEquals(256, m.firstPair(100).cols());
            assertEquals(pair, m.firstPair(1 << 20));
            float[] fromHead = new float[256 * m.groupRows()];
            float[] fromAll = new float[256 * m.groupRows()];
            for (int g = 0; g < 2; g++) {
                packed.kernel().decodeGroup(head, g, 0, 1, fromHead);
                packed.kernel().decodeGroup(m, g, 0, 1, fromAll);
                assertArrayEquals(fromAll, fromHead, "group " + g);
            }
            TensorData small = randomMatrix("e", GgmlType.Q4_K, 5, cols, random); // fewer rows than a group
            assertEquals(5, ((CpuTensor.Packed) q8.upload(small)).matrix().firstPair().rows());
            // a type first met on a matrix smaller than a group warms up on it
            q8.upload(randomMatrix("f", GgmlType.Q5_K, 5, cols, random));
            assertEquals(Set.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K), q8.warmedUp());
            assertEquals(3 * perType, q8.warmUpProducts());
        }
    }

    private static TensorData randomMatrix(String name, GgmlType type, int rows, int cols, Random random) {
        MemorySegment bytes = RandomBlocks.generate(type, rows * cols, 0, RandomBlocks.Kind.RANDOM, random);
        return new TensorData(new TensorInfo(name, new long[] {cols, rows}, type, 0), bytes);
    }

    @Test
    void uploadKeepsWhatHasNoIntegerKernel() {
        MemorySegment f16 = RandomBlocks.generate(GgmlType.F16, 64 * 32, 0, RandomBlocks.Kind.RANDOM, new Random(1));
        TensorData f16Matrix = new TensorData(new TensorInfo("f16", new long[] {64, 32}, GgmlType.F16, 0), f16);
        MemorySegment q4 = RandomBlocks.generate(GgmlType.Q4_K, 256 * 32, 0, RandomBlocks.Kind.RANDOM, new Random(2));
        TensorData q4Matrix = new TensorData(new TensorInfo("q4", new long[] {256, 32}, GgmlType.Q4_K, 0), q4);
        try (CpuBackend q8 = new CpuBackend(1, MatMulPrecision.Q8); CpuBackend f32 = new CpuBackend(1, MatMulPrecision.F32)) {
            assertInstanceOf(CpuTensor.Weights.class, q8.upload(f16Matrix));
            assertInstanceOf(CpuTensor.Packed.class, q8.upload(q4Matrix));
            assertInstanceOf(CpuTensor.Weights.class, q8.uploadTable(q4Matrix)); // row lookups read the file
            assertInstanceOf(CpuTensor.Weights.class, f32.upload(q4Matrix));
        }
    }

    @Test
    void productsAfterCloseFailAndCloseWaitsForARunningOne() throws Exception {
        int rows = 4096;
        int cols = 4096;
        MemorySegment bytes = RandomBlocks.generate(GgmlType.Q4_K, rows * cols, 0, RandomBlocks.Kind.RANDOM, new Random(3));
        TensorData w = new TensorData(new TensorInfo("big", new long[] {cols, rows}, GgmlType.Q4_K, 0), bytes);
        CpuBackend cpu = new CpuBackend(2, MatMulPrecision.Q8);
        DeviceTensor packed = cpu.upload(w);
        DeviceTensor x = cpu.allocate(64L * cols);
        DeviceTensor out = cpu.allocate(64L * rows);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread worker = new Thread(() -> {
            try {
                for (int i = 0; i < 1000; i++) {
                    cpu.ops().matMul(out, packed, x, 64);
                }
            } catch (IllegalStateException expected) {
                // closed between two products
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        worker.start();
        Thread.sleep(200);
        cpu.close(); // must wait for the running product, not free its memory under it
        worker.join(60_000);
        assertTrue(failure.get() == null, () -> "product failed: " + failure.get());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.ops().matMul(out, packed, x, 1));
        assertTrue(e.getMessage().contains("big") && e.getMessage().contains("closed"), e.getMessage());
    }
}
