package dev.kiln.cpu;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

/**
 * Causal grouped-query attention on the CPU as two float matrix products per block of rows and KV head. First the
 * cache cells the batch reads are converted to float once per call (keys transposed per KV head, so that scores are
 * a product without lane sums; values in the cache's layout, read with a row stride), in parallel: converting them
 * once per row instead made prompt processing quadratic in conversions. Then each task takes up to {@link #BLOCK_ROWS} consecutive rows of one
 * sequence and one KV head: its query heads' rows, scaled (scale and the row's temperature folded in), times the
 * keys give the scores; a masked softmax per query (cells up to the row's own); times the values give the outputs.
 * <pre>
 * keysT   [sequence run][headsKv][keyLength][cells]   values [sequence run][cells][headsKv][valueLength]
 * per task: queries [rows·group][keyLength], scores [rows·group][cells], outputs [rows·group][valueLength]
 * </pre>
 * Not thread-safe: one call at a time (the per-call state lives in fields, so a call allocates nothing once the
 * buffers have grown).
 */
final class CpuAttention {
    /** Rows of one sequence per task: a block's queries share each key and value they read. */
    static final int BLOCK_ROWS = 16;
    /** Cells converted per conversion task. */
    private static final int CONVERT_CELLS = 64;
    /** Key rows converted together before they are transposed (a cache line of floats). */
    private static final int TRANSPOSE_CELLS = 16;
    /** Multiply-adds below which the call runs on the calling thread (waking the pool costs more). */
    private static final long SMALL = 1 << 15;
    /** Transposes gather this many cells at once: 4, 8 or 16, so a whole block is whole vectors. */
    private static final VectorSpecies<Float> F = Species.preferred();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** {@link #transposeTile8}'s shuffles (lane l takes lane l ^ b) and masks (lanes with bit b set), b = 4, 2, 1. */
    private static final VectorShuffle<Integer> XOR4 = xorShuffle(4), XOR2 = xorShuffle(2), XOR1 = xorShuffle(1);
    private static final VectorMask<Integer> BIT4 = bitMask(4), BIT2 = bitMask(2), BIT1 = bitMask(1);
    /** {@link #transposeTile}'s index vectors, for its stages b = 8, 4, 2 and 1 ({@link #swapIndex}). */
    private static final IntVector SWAP8_LO = swapIndex(8, false), SWAP8_HI = swapIndex(8, true);
    private static final IntVector SWAP4_LO = swapIndex(4, false), SWAP4_HI = swapIndex(4, true);
    private static final IntVector SWAP2_LO = swapIndex(2, false), SWAP2_HI = swapIndex(2, true);
    private static final IntVector SWAP1_LO = swapIndex(1, false), SWAP1_HI = swapIndex(1, true);

    private final CpuThreads threads;
    private final RangeTask convertTask = this::convertRange;
    private final RangeTask blockTask = this::blockRange;
    /** Per thread: [0] queries, [1] scores, [2] outputs, [3] key rows being transposed. */
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[4][0]);
    /** Per thread: {@link #gatherIndex}'s offsets. */
    private final ThreadLocal<int[]> gather = ThreadLocal.withInitial(() -> new int[F.length() + 1]);

    // Per-call state.
    private float[] out;
    private float[] q;
    private KvLayer kv;
    private CpuTensor.Cache keys;
    private CpuTensor.Cache values;
    private Batch batch;
    private Attention shape;
    private float[] keysT = new float[0];
    private float[] valuesH = new float[0];
    private int[] cellsOf = new int[0];   // [sequence] cells the batch reads, 0 if absent
    private long[] baseOf = new long[0];  // [sequence] first float of its keys (and values) in keysT (valuesH)
    private int[] convertSeq = new int[0]; // conversion task -> sequence
    private int[] convertFrom = new int[0]; // conversion task -> first cell
    private int[] blockFirst = new int[0];  // row block -> first row
    private int[] blockRows = new int[0];   // row block -> rows
    private int blocks;

    CpuAttention(CpuThreads threads) {
        this.threads = Objects.requireNonNull(threads, "threads");
    }

    /** {@link dev.kiln.core.spi.Ops#attention} on CPU tensors. */
    void apply(float[] out, float[] q, KvLayer kv, CpuTensor.Cache keys, CpuTensor.Cache values, Batch batch,
               Attention shape) {
        this.out = out;
        this.q = q;
        this.kv = kv;
        this.keys = keys;
        this.values = values;
        this.batch = batch;
        this.shape = shape;
        try {
            int conversions = plan();
            int tasks = blocks * shape.headCountKv();
            long work = 0;
            for (int s = 0; s < cellsOf.length; s++) {
                work += (long) cellsOf[s];
            }
            work *= (long) batch.size() * shape.groupSize() * (shape.keyLength() + shape.valueLength());
            if (work < SMALL) {
                convertRange(0, conversions);
                blockRange(0, tasks);
            } else {
                threads.parallelFor(conversions, convertTask);
                threads.parallelFor(tasks, blockTask);
            }
        } finally {
            this.out = null;
            this.q = null;
            this.kv = null;
            this.keys = null;
            this.values = null;
            this.batch = null;
        }
    }

    /** Sizes the converted cells per sequence and the row blocks; returns the number of conversion tasks. */
    private int plan() {
        int sequences = kv.sequences();
        if (cellsOf.length < sequences) {
            cellsOf = new int[sequences];
            baseOf = new long[sequences];
        }
        Arrays.fill(cellsOf, 0, sequences, 0);
        int rows = batch.size();
        for (int r = 0; r < rows; r++) {
            int s = batch.sequence(r);
            cellsOf[s] = Math.max(cellsOf[s], batch.cell(r) + 1);
        }
        long floats = 0;
        int conversions = 0;
        for (int s = 0; s < sequences; s++) {
            baseOf[s] = floats;
            floats += (long) cellsOf[s] * Math.max(kv.keyWidth(), kv.valueWidth());
            conversions += (cellsOf[s] + CONVERT_CELLS - 1) / CONVERT_CELLS;
        }
        if (floats > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("attention: " + floats + " floats of converted cache do not fit one array");
        }
        if (keysT.length < floats) {
            keysT = new float[(int) floats];
            valuesH = new float[(int) floats];
        }
        if (convertSeq.length < conversions) {
            convertSeq = new int[conversions];
            convertFrom = new int[conversions];
        }
        int c = 0;
        for (int s = 0; s < sequences; s++) {
            for (int from = 0; from < cellsOf[s]; from += CONVERT_CELLS) {
                convertSeq[c] = s;
                convertFrom[c++] = from;
            }
        }
        // row blocks: runs of consecutive rows of one sequence, cut every BLOCK_ROWS rows
        if (blockFirst.length < rows) {
            blockFirst = new int[rows];
            blockRows = new int[rows];
        }
        blocks = 0;
        for (int r = 0; r < rows; ) {
            int end = r + 1;
            while (end < rows && end - r < BLOCK_ROWS && batch.sequence(end) == batch.sequence(r)) {
                end++;
            }
            blockFirst[blocks] = r;
            blockRows[blocks++] = end - r;
            r = end;
        }
        return conversions;
    }

    /**
     * Converts cells of conversion tasks [start, end): keys transposed per head (through a block of
     * {@link #TRANSPOSE_CELLS} rows converted at once, so each transposed line is written whole), values as cached.
     * (Values were once copied head by head, one call per cell and head: 8,192 calls per layer at a depth of 2048.)
     */
    private void convertRange(int start, int end) {
        int kw = kv.keyWidth();
        int vw = kv.valueWidth();
        float[][] s = scratch.get();
        if (s[3].length < TRANSPOSE_CELLS * kw) {
            s[3] = new float[TRANSPOSE_CELLS * kw];
        }
        float[] rows = s[3]; // [TRANSPOSE_CELLS][keyWidth]
        int[] index = gatherIndex(kw); // [F.length()] offsets of consecutive rows in it
        for (int task = start; task < end; task++) {
            int seq = convertSeq[task];
            int cells = cellsOf[seq];
            int base = (int) baseOf[seq];
            int last = Math.min(cells, convertFrom[task] + CONVERT_CELLS);
            for (int t0 = convertFrom[task]; t0 < last; t0 += TRANSPOSE_CELLS) {
                int n = Math.min(TRANSPOSE_CELLS, last - t0);
                keys.load((int) (kv.row(seq, t0) * kw), rows, 0, n * kw); // a sequence's cells are consecutive rows
                if (n == TRANSPOSE_CELLS && F.length() == TRANSPOSE_CELLS && kw % TRANSPOSE_CELLS == 0) {
                    // 16-lane vectors: whole 16 x 16 tiles in registers
                    for (int d0 = 0; d0 < kw; d0 += TRANSPOSE_CELLS) {
                        transposeTile(rows, d0, kw, keysT, base + d0 * cells + t0, cells);
                    }
                } else if (n == TRANSPOSE_CELLS && F.length() == 8 && kw % 8 == 0) {
                    // 8-lane vectors (AVX2): 8 x 8 tiles in registers, two per 16 cells
                    for (int d0 = 0; d0 < kw; d0 += 8) {
                        transposeTile8(rows, d0, kw, keysT, base + d0 * cells + t0, cells);
                        transposeTile8(rows, d0 + 8 * kw, kw, keysT, base + d0 * cells + t0 + 8, cells);
                    }
                } else if (n == TRANSPOSE_CELLS) {
                    // a whole block: one gather per vector of cells (a decode step converts every cached cell, and
                    // this transpose was most of a step's attention at depth: tg32 @ d2048 on the tinyllama 8k file,
                    // attention 535-620 against 704-721 us per layer, 27.7 against 24.9 t/s, four alternating runs)
                    for (int i = 0; i < kw; i++) {
                        int to = base + i * cells + t0; // head i / kl, dimension i % kl
                        for (int j = 0; j < n; j += F.length()) {
                            FloatVector.fromArray(F, rows, i + j * kw, index, 0).intoArray(keysT, to + j);
                        }
                    }
                } else {
                    for (int i = 0; i < kw; i++) {
                        int to = base + i * cells + t0; // head i / kl, dimension i % kl
                        for (int j = 0; j < n; j++) {
                            keysT[to + j] = rows[j * kw + i];
                        }
                    }
                }
                // values as cached, every head of a cell side by side: one load for the block
                values.load((int) (kv.row(seq, t0) * vw), valuesH, base + t0 * vw, n * vw);
            }
        }
    }

    /** Attention for tasks [start, end): task = row block · headsKv + KV head. */
    private void blockRange(int start, int end) {
        int heads = shape.headCount();
        int headsKv = shape.headCountKv();
        int group = shape.groupSize();
        int kl = shape.keyLength();
        int vl = shape.valueLength();
        float[][] s = scratch.get();
        for (int task = start; task < end; task++) {
            int block = task / headsKv;
            int h = task % headsKv;
            int first = blockFirst[block];
            int rows = blockRows[block];
            int seq = batch.sequence(first);
            int cells = cellsOf[seq];
            int base = (int) baseOf[seq];
            int width = 0; // cells any row of the block reads
            for (int i = 0; i < rows; i++) {
                width = Math.max(width, batch.cell(first + i) + 1);
            }
            int m = rows * group;
            float[] queries = grow(s, 0, m * kl);   // [m][keyLength]
            float[] scores = grow(s, 1, m * width); // [m][width]
            float[] outs = grow(s, 2, m * vl);      // [m][valueLength]
            for (int i = 0; i < rows; i++) {
                int r = first + i;
                float scale = shape.scale() * shape.temperature(batch.position(r));
                int from = (r * heads + h * group) * kl;
                for (int j = 0; j < group * kl; j++) {
                    queries[i * group * kl + j] = q[from + j] * scale;
                }
            }
            AttentionGemm.multiply(queries, 0, kl, keysT, base + h * kl * cells, cells, scores, 0, width, m, width, kl);
            for (int i = 0; i < m; i++) {
                VectorMath.softmax(scores, i * width, batch.cell(first + i / group) + 1, width);
            }
            AttentionGemm.multiply(scores, 0, width, valuesH, base + h * vl, kv.valueWidth(), outs, 0, vl, m, vl, width);
            for (int i = 0; i < rows; i++) {
                System.arraycopy(outs, i * group * vl, out, ((first + i) * heads + h * group) * vl, group * vl);
            }
        }
    }

    /**
     * {@code dst[at + d·stride + j] = src[j·width + d0 + d]} for j, d &lt; 16: a 16 x 16 tile of converted key rows
     * transposed in registers (16-lane vectors only). Four stages each swap one bit b between the row and the column
     * index of every element: rows i and i + b exchange their lanes of bit b through two two-vector selections
     * ({@code vpermi2d}, on the floats' bits: an index vector of floats cost a conversion per selection, measured).
     * Against the 16-element gather per transposed line it replaces, a decode step's attention on the tinyllama shape
     * at a depth of 2048 (F16 cache, 2 threads, an in-process harness alternating the two): the transposes 181-184
     * against 276-298 us of thread time, the whole call 353-370 against 424-447 us.
     */
    private static void transposeTile(float[] src, int d0, int width, float[] dst, int at, int stride) {
        // r_j = lanes d0..d0+15 of row j (its floats' bits: the selections move bits, they do not compute)
        IntVector r0 = FloatVector.fromArray(F, src, d0).reinterpretAsInts(), r1 = FloatVector.fromArray(F, src, d0 + width).reinterpretAsInts();
        IntVector r2 = FloatVector.fromArray(F, src, d0 + 2 * width).reinterpretAsInts(), r3 = FloatVector.fromArray(F, src, d0 + 3 * width).reinterpretAsInts();
        IntVector r4 = FloatVector.fromArray(F, src, d0 + 4 * width).reinterpretAsInts(), r5 = FloatVector.fromArray(F, src, d0 + 5 * width).reinterpretAsInts();
        IntVector r6 = FloatVector.fromArray(F, src, d0 + 6 * width).reinterpretAsInts(), r7 = FloatVector.fromArray(F, src, d0 + 7 * width).reinterpretAsInts();
        IntVector r8 = FloatVector.fromArray(F, src, d0 + 8 * width).reinterpretAsInts(), r9 = FloatVector.fromArray(F, src, d0 + 9 * width).reinterpretAsInts();
        IntVector r10 = FloatVector.fromArray(F, src, d0 + 10 * width).reinterpretAsInts(), r11 = FloatVector.fromArray(F, src, d0 + 11 * width).reinterpretAsInts();
        IntVector r12 = FloatVector.fromArray(F, src, d0 + 12 * width).reinterpretAsInts(), r13 = FloatVector.fromArray(F, src, d0 + 13 * width).reinterpretAsInts();
        IntVector r14 = FloatVector.fromArray(F, src, d0 + 14 * width).reinterpretAsInts(), r15 = FloatVector.fromArray(F, src, d0 + 15 * width).reinterpretAsInts();
        IntVector x;
        // rows i and i + 8, (i & 8) == 0
        x = SWAP8_LO.selectFrom(r0, r8); r8 = SWAP8_HI.selectFrom(r0, r8); r0 = x;
        x = SWAP8_LO.selectFrom(r1, r9); r9 = SWAP8_HI.selectFrom(r1, r9); r1 = x;
        x = SWAP8_LO.selectFrom(r2, r10); r10 = SWAP8_HI.selectFrom(r2, r10); r2 = x;
        x = SWAP8_LO.selectFrom(r3, r11); r11 = SWAP8_HI.selectFrom(r3, r11); r3 = x;
        x = SWAP8_LO.selectFrom(r4, r12); r12 = SWAP8_HI.selectFrom(r4, r12); r4 = x;
        x = SWAP8_LO.selectFrom(r5, r13); r13 = SWAP8_HI.selectFrom(r5, r13); r5 = x;
        x = SWAP8_LO.selectFrom(r6, r14); r14 = SWAP8_HI.selectFrom(r6, r14); r6 = x;
        x = SWAP8_LO.selectFrom(r7, r15); r15 = SWAP8_HI.selectFrom(r7, r15); r7 = x;
        // rows i and i + 4, (i & 4) == 0
        x = SWAP4_LO.selectFrom(r0, r4); r4 = SWAP4_HI.selectFrom(r0, r4); r0 = x;
        x = SWAP4_LO.selectFrom(r1, r5); r5 = SWAP4_HI.selectFrom(r1, r5); r1 = x;
        x = SWAP4_LO.selectFrom(r2, r6); r6 = SWAP4_HI.selectFrom(r2, r6); r2 = x;
        x = SWAP4_LO.selectFrom(r3, r7); r7 = SWAP4_HI.selectFrom(r3, r7); r3 = x;
        x = SWAP4_LO.selectFrom(r8, r12); r12 = SWAP4_HI.selectFrom(r8, r12); r8 = x;
        x = SWAP4_LO.selectFrom(r9, r13); r13 = SWAP4_HI.selectFrom(r9, r13); r9 = x;
        x = SWAP4_LO.selectFrom(r10, r14); r14 = SWAP4_HI.selectFrom(r10, r14); r10 = x;
        x = SWAP4_LO.selectFrom(r11, r15); r15 = SWAP4_HI.selectFrom(r11, r15); r11 = x;
        // rows i and i + 2, (i & 2) == 0
        x = SWAP2_LO.selectFrom(r0, r2); r2 = SWAP2_HI.selectFrom(r0, r2); r0 = x;
        x = SWAP2_LO.selectFrom(r1, r3); r3 = SWAP2_HI.selectFrom(r1, r3); r1 = x;
        x = SWAP2_LO.selectFrom(r4, r6); r6 = SWAP2_HI.selectFrom(r4, r6); r4 = x;
        x = SWAP2_LO.selectFrom(r5, r7); r7 = SWAP2_HI.selectFrom(r5, r7); r5 = x;
        x = SWAP2_LO.selectFrom(r8, r10); r10 = SWAP2_HI.selectFrom(r8, r10); r8 = x;
        x = SWAP2_LO.selectFrom(r9, r11); r11 = SWAP2_HI.selectFrom(r9, r11); r9 = x;
        x = SWAP2_LO.selectFrom(r12, r14); r14 = SWAP2_HI.selectFrom(r12, r14); r12 = x;
        x = SWAP2_LO.selectFrom(r13, r15); r15 = SWAP2_HI.selectFrom(r13, r15); r13 = x;
        // rows i and i + 1, (i & 1) == 0
        x = SWAP1_LO.selectFrom(r0, r1); r1 = SWAP1_HI.selectFrom(r0, r1); r0 = x;
        x = SWAP1_LO.selectFrom(r2, r3); r3 = SWAP1_HI.selectFrom(r2, r3); r2 = x;
        x = SWAP1_LO.selectFrom(r4, r5); r5 = SWAP1_HI.selectFrom(r4, r5); r4 = x;
        x = SWAP1_LO.selectFrom(r6, r7); r7 = SWAP1_HI.selectFrom(r6, r7); r6 = x;
        x = SWAP1_LO.selectFrom(r8, r9); r9 = SWAP1_HI.selectFrom(r8, r9); r8 = x;
        x = SWAP1_LO.selectFrom(r10, r11); r11 = SWAP1_HI.selectFrom(r10, r11); r10 = x;
        x = SWAP1_LO.selectFrom(r12, r13); r13 = SWAP1_HI.selectFrom(r12, r13); r12 = x;
        x = SWAP1_LO.selectFrom(r14, r15); r15 = SWAP1_HI.selectFrom(r14, r15); r14 = x;
        r0.reinterpretAsFloats().intoArray(dst, at); r1.reinterpretAsFloats().intoArray(dst, at + 1 * stride);
        r2.reinterpretAsFloats().intoArray(dst, at + 2 * stride); r3.reinterpretAsFloats().intoArray(dst, at + 3 * stride);
        r4.reinterpretAsFloats().intoArray(dst, at + 4 * stride); r5.reinterpretAsFloats().intoArray(dst, at + 5 * stride);
        r6.reinterpretAsFloats().intoArray(dst, at + 6 * stride); r7.reinterpretAsFloats().intoArray(dst, at + 7 * stride);
        r8.reinterpretAsFloats().intoArray(dst, at + 8 * stride); r9.reinterpretAsFloats().intoArray(dst, at + 9 * stride);
        r10.reinterpretAsFloats().intoArray(dst, at + 10 * stride); r11.reinterpretAsFloats().intoArray(dst, at + 11 * stride);
        r12.reinterpretAsFloats().intoArray(dst, at + 12 * stride); r13.reinterpretAsFloats().intoArray(dst, at + 13 * stride);
        r14.reinterpretAsFloats().intoArray(dst, at + 14 * stride); r15.reinterpretAsFloats().intoArray(dst, at + 15 * stride);
    }

    /**
     * {@code dst[at + d·stride + j] = src[j·width + d0 + d]} for j, d &lt; 8: {@link #transposeTile} for 8-lane vectors
     * (AVX2, which has no two-vector selection). Three stages each swap one bit b between the row and the column index:
     * rows i and i + b each take the other's lanes l ^ b (one {@code vpermd}) where their own bit b says so (one
     * blend). Against the 8-element gather per line that 256-bit vectors took before, on Zen 3: see the AVX2 figures in
     * docs/cpu-performance-log.md.
     */
    private static void transposeTile8(float[] src, int d0, int width, float[] dst, int at, int stride) {
        IntVector r0 = FloatVector.fromArray(F, src, d0).reinterpretAsInts(), r1 = FloatVector.fromArray(F, src, d0 + width).reinterpretAsInts();
        IntVector r2 = FloatVector.fromArray(F, src, d0 + 2 * width).reinterpretAsInts(), r3 = FloatVector.fromArray(F, src, d0 + 3 * width).reinterpretAsInts();
        IntVector r4 = FloatVector.fromArray(F, src, d0 + 4 * width).reinterpretAsInts(), r5 = FloatVector.fromArray(F, src, d0 + 5 * width).reinterpretAsInts();
        IntVector r6 = FloatVector.fromArray(F, src, d0 + 6 * width).reinterpretAsInts(), r7 = FloatVector.fromArray(F, src, d0 + 7 * width).reinterpretAsInts();
        IntVector x, y;
        // rows i and i + 4, (i & 4) == 0
        x = r0.rearrange(XOR4); y = r4.rearrange(XOR4); r0 = r0.blend(y, BIT4); r4 = x.blend(r4, BIT4);
        x = r1.rearrange(XOR4); y = r5.rearrange(XOR4); r1 = r1.blend(y, BIT4); r5 = x.blend(r5, BIT4);
        x = r2.rearrange(XOR4); y = r6.rearrange(XOR4); r2 = r2.blend(y, BIT4); r6 = x.blend(r6, BIT4);
        x = r3.rearrange(XOR4); y = r7.rearrange(XOR4); r3 = r3.blend(y, BIT4); r7 = x.blend(r7, BIT4);
        // rows i and i + 2, (i & 2) == 0
        x = r0.rearrange(XOR2); y = r2.rearrange(XOR2); r0 = r0.blend(y, BIT2); r2 = x.blend(r2, BIT2);
        x = r1.rearrange(XOR2); y = r3.rearrange(XOR2); r1 = r1.blend(y, BIT2); r3 = x.blend(r3, BIT2);
        x = r4.rearrange(XOR2); y = r6.rearrange(XOR2); r4 = r4.blend(y, BIT2); r6 = x.blend(r6, BIT2);
        x = r5.rearrange(XOR2); y = r7.rearrange(XOR2); r5 = r5.blend(y, BIT2); r7 = x.blend(r7, BIT2);
        // rows i and i + 1, (i & 1) == 0
        x = r0.rearrange(XOR1); y = r1.rearrange(XOR1); r0 = r0.blend(y, BIT1); r1 = x.blend(r1, BIT1);
        x = r2.rearrange(XOR1); y = r3.rearrange(XOR1); r2 = r2.blend(y, BIT1); r3 = x.blend(r3, BIT1);
        x = r4.rearrange(XOR1); y = r5.rearrange(XOR1); r4 = r4.blend(y, BIT1); r5 = x.blend(r5, BIT1);
        x = r6.rearrange(XOR1); y = r7.rearrange(XOR1); r6 = r6.blend(y, BIT1); r7 = x.blend(r7, BIT1);
        r0.reinterpretAsFloats().intoArray(dst, at); r1.reinterpretAsFloats().intoArray(dst, at + stride);
        r2.reinterpretAsFloats().intoArray(dst, at + 2 * stride); r3.reinterpretAsFloats().intoArray(dst, at + 3 * stride);
        r4.reinterpretAsFloats().intoArray(dst, at + 4 * stride); r5.reinterpretAsFloats().intoArray(dst, at + 5 * stride);
        r6.reinterpretAsFloats().intoArray(dst, at + 6 * stride); r7.reinterpretAsFloats().intoArray(dst, at + 7 * stride);
    }

    /** Lane l takes lane l ^ b (lane l itself where the species has fewer than 8 lanes: unused there). */
    private static VectorShuffle<Integer> xorShuffle(int b) {
        return VectorShuffle.fromOp(I, l -> I.length() == 8 ? l ^ b : l);
    }

    /** The lanes whose bit b is set. */
    private static VectorMask<Integer> bitMask(int b) {
        boolean[] set = new boolean[I.length()];
        for (int l = 0; l < set.length; l++) {
            set[l] = (l & b) != 0;
        }
        return VectorMask.fromArray(I, set, 0);
    }

    /**
     * Index vectors of {@link #transposeTile}'s stage b, lanes 0..15 of the first row then 16..31 of the second: the
     * first row keeps its lanes with bit b clear and takes the second row's lanes l - b into the others; the second
     * takes the first row's lanes l + b and keeps its own with bit b set.
     */
    private static IntVector swapIndex(int b, boolean second) {
        int[] index = new int[F.length()];
        for (int l = 0; l < index.length; l++) {
            boolean clear = (l & b) == 0;
            index[l] = second ? (clear ? l + b : F.length() + l) : (clear ? l : F.length() + l - b);
        }
        return IntVector.fromArray(I, index, 0);
    }

    /** The offsets of F.length() consecutive key rows of width {@code kw}, {@code j · kw}; the last slot holds kw. */
    private int[] gatherIndex(int kw) {
        int[] index = gather.get();
        if (index[F.length()] != kw) {
            for (int j = 0; j < F.length(); j++) {
                index[j] = j * kw;
            }
            index[F.length()] = kw;
        }
        return index;
    }

    private static float[] grow(float[][] s, int i, int n) {
        if (s[i].length < n) {
            s[i] = new float[n];
        }
        return s[i];
    }
}
