package dev.kiln.cpu;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.cpu.simd.Species;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.Objects;

/**
 * Causal grouped-query attention on the CPU as two float matrix products per block of rows and KV head. First the
 * cache cells the batch reads are converted to float once per call (keys transposed per KV head, so that scores are
 * a product without lane sums; values per head), in parallel: converting them once per row instead made prompt
 * processing quadratic in conversions. Then each task takes up to {@link #BLOCK_ROWS} consecutive rows of one
 * sequence and one KV head: its query heads' rows, scaled (scale and the row's temperature folded in), times the
 * keys give the scores; a masked softmax per query (cells up to the row's own); times the values give the outputs.
 * <pre>
 * keysT   [sequence run][headsKv][keyLength][cells]   values [sequence run][headsKv][cells][valueLength]
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
     * {@link #TRANSPOSE_CELLS} rows converted at once, so each transposed line is written whole), values per head.
     */
    private void convertRange(int start, int end) {
        int vl = shape.valueLength();
        int headsKv = shape.headCountKv();
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
                if (n == TRANSPOSE_CELLS) {
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
                for (int t = t0; t < t0 + n; t++) {
                    long row = kv.row(seq, t);
                    for (int h = 0; h < headsKv; h++) {
                        values.load((int) (row * vw + h * vl), valuesH, base + (h * cells + t) * vl, vl);
                    }
                }
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
            AttentionGemm.multiply(scores, 0, width, valuesH, base + h * cells * vl, vl, outs, 0, vl, m, vl, width);
            for (int i = 0; i < rows; i++) {
                System.arraycopy(outs, i * group * vl, out, ((first + i) * heads + h * group) * vl, group * vl);
            }
        }
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
