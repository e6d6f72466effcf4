package dev.kiln.cpu;

import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Q8Activations;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.cpu.simd.Species;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.util.Objects;
import java.util.Random;

/**
 * Repacked weights times activations quantized to 8 bits, split by row groups across {@link CpuThreads}: the
 * integer path of {@link dev.kiln.core.spi.MatMulPrecision#Q8}. The activations are quantized once per call (split by
 * tokens across the threads from {@link #PARALLEL_VALUES} values on), then each task runs the kernel on its row
 * groups for every token, so a group's weights are read from memory once and stay in cache across the tokens. One
 * call may take several matrices of one input ({@link #apply(CpuTensor.Packed[], float[], float[][], int) apply}
 * with arrays).
 *
 * <p>Not thread-safe: one call at a time per instance.
 */
final class PackedMatMul {
    // The kernels are warmed up on the model's own weights (warmUp), not on a made-up matrix (there was one):
    // C2 compiles them from the profiles of their first calls, and profiles from a small synthetic matrix led it to
    // other code than the model's products do. Measured on the tinyllama Q4_K_M file (kiln bench -p 64, seven runs
    // each, alternating): with that warm-up the Q4_K batch kernel's inner loop always came out as eight copies of its
    // step (131 vpmullw in the disassembly, ~2,000 stack references), and once in seven runs spilling so badly that
    // prompts ran at 27 t/s against 83-90; compiled from the model's own first products it came out as two copies
    // (35 vpmullw, ~1,100 stack references) in seven runs of seven, at 75-95 t/s.
    /**
     * Rounds of {@link #warmUp}: each a batched product and a one-token one. With 8, C2 compiled the batch kernels
     * only during the load's warm-up passes, which ran their C1 code meanwhile (JFR: the Vector API's Java fallbacks);
     * with 64 it compiles them while the later matrices are packed ({@code -XX:+PrintCompilation}: Q4_K's at 2.5 s
     * instead of 5.3), and the load is shorter though the warm-up itself takes longer: the 1B Q4_K_M file (Zen 3, two
     * threads, {@code kiln run -p Hello -n 4}, five rounds alternating) 4.6-5.4 s against 5.1-6.8, the two passes
     * 0.6-1.2 s against 2.3-3.3, the kernels' warm-up 2.0-3.1 s against 1.2-1.7; Mistral 7B Q4_K_M 9.9-11.8 s against
     * 11.7-15.2 (two rounds). pp64 and tg32 after the load equal within the noise (three rounds each); 400 rounds
     * made the load longer again (4.9-5.0 s).
     */
    static final int WARM_UP_CALLS = 64;
    /**
     * Pairs of float products per round of {@link #warmUp} (one of 10 tokens and one of 9, over two panels): over one
     * panel, one pair a round left {@link FloatPanel}'s method to reach C2 only in the first timed prompts (its six-token loop
     * was compiled on its own at load, its four-token one stayed in C1 code until then: pp64's first sample 46 t/s in
     * two runs of three, against 64-73 with four pairs, as many panel products as two pairs over two panels).
     */
    static final int FLOAT_WARM_UP_CALLS = 2;
    private static final int CACHE_LINE = 64;
    /**
     * Activation values from which a call quantizes them on all the threads (16 tokens of 2048): on the calling thread
     * alone quantizing took ~3% of a pp64 pass, the other thread waiting. Below it (a serve step of 8 tokens of 2048:
     * ~8 us of quantizing on one core) a second dispatch to the pool would save a few microseconds at most (not
     * measured separately).
     */
    static final int PARALLEL_VALUES = 1 << 15;
    /** The system property that overrides {@link #readsAhead(String, int)}'s choice: {@code true} or {@code false}. */
    static final String READ_AHEAD_PROPERTY = "kiln.cpu.readahead";
    /** The system property that overrides {@link #floatBatchTokens(String, int)}'s choice: a token count or {@code off}. */
    static final String FLOAT_BATCH_PROPERTY = "kiln.cpu.floatbatch";
    /** Columns of a decoded panel (at 256 bits 16 rows: 64 KiB, in L2 beside a block of tokens' activations). */
    private static final int PANEL_COLUMNS = 1024;
    private final CpuThreads threads;
    /** Whether a batched product runs {@link #touchLines} before each pair (see {@link #readsAhead}). */
    private final boolean readAhead;
    /**
     * Batches of at least this many tokens run in float, product by product where the kernel decodes (see
     * {@link #floatBatchTokens}); lowered by {@link #warmUp} during its float products only.
     */
    private int floatBatchTokens;
    private final PanelProduct panels = Specialiser.instance(MethodHandles.lookup(), FloatPanel.class,
            PanelProduct.class, Species.preferred());
    /**
     * Per thread: a decoded panel, [PANEL_COLUMNS][rows of a group]; shared by the instances (a thread runs one product
     * at a time), so that the warm-up's instances leave none behind.
     */
    private static final ThreadLocal<float[]> PANEL = new ThreadLocal<>();
    private final Q8Activations blocks256 = new Q8Activations(256);
    private final Q8Activations blocks32 = new Q8Activations(32);
    private final RangeTask pairTask = this::pairs;
    private final RangeTask quantizeTask = this::quantizeTokens;
    /** Per thread: a kernel call's outputs when its rows run past the last row. */
    private final ThreadLocal<float[]> tail = new ThreadLocal<>();
    private final CpuTensor.Packed[] one = new CpuTensor.Packed[1];
    private final float[][] oneOut = new float[1][];

    // Per-call state, read by the tasks: the call's matrices and outputs (the caller's own arrays, not copied: a copy
    // into an array of PackedKernel stored a Q6_K kernel where C2 had seen Q4_K only, and its type check trapped), and
    // product i's pairs' place in the call's range of pairs, [firstPair[i], firstPair[i + 1]).
    private CpuTensor.Packed[] weights;
    private float[][] outs;
    /** Whether product i runs in float ({@link #panels}) on {@link #x}, not on quantized activations. */
    private boolean[] inFloat = new boolean[0];
    /** The call's activations [tokens][cols] and token count, for the products that run in float. */
    private float[] x;
    private int tokens;
    private int[] firstPair = new int[1];
    /** The activations being quantized by {@link #quantizeTask}. */
    private Q8Activations quantizing;
    /** Calls of {@link #apply(CpuTensor.Packed[], float[], float[][], int)} so far (for {@link #warmUp}'s count). */
    private long calls;
    /** Products run in float so far (for the tests). */
    private long floatProducts;
    /** The last {@link #touchLines} sum: written by every thread, read by none. */
    @SuppressWarnings("unused")
    private long touched;

    PackedMatMul(CpuThreads threads) {
        this(threads, floatBatchTokens(System.getProperty(FLOAT_BATCH_PROPERTY), Species.preferred().vectorBitSize()));
    }

    /** With batches of at least {@code floatBatchTokens} tokens in float (where the kernels decode). */
    PackedMatMul(CpuThreads threads, int floatBatchTokens) {
        this.threads = Objects.requireNonNull(threads, "threads");
        this.readAhead = readsAhead(System.getProperty(READ_AHEAD_PROPERTY), Species.preferred().vectorBitSize());
        this.floatBatchTokens = floatBatchTokens;
    }

    /** From how many tokens batches run in float ({@link #FLOAT_BATCH_OFF}: none). */
    int floatBatchTokens() {
        return floatBatchTokens;
    }

    /** Products run in float so far. */
    long floatProducts() {
        return floatProducts;
    }

    /** Whether a product of {@code tokens} tokens with {@code w} runs in float (see {@link #floatBatchTokens}). */
    boolean runsInFloat(CpuTensor.Packed w, int tokens) {
        return tokens >= floatBatchTokens && w.kernel().decodes() && w.matrix().groupRows() == panels.rows();
    }

    /**
     * From how many tokens a batched product runs in float: each group's weights decoded a panel at a time
     * ({@link dev.kiln.cpu.packed.PackedKernel#decodeGroup}) and multiplied with the unquantized activations by
     * {@link FloatPanel}, for each product of a call whose kernel decodes (the others stay integer). {@code property}
     * (a token count of at least 2, the smallest batch, or {@code off}) where set; else {@link #FLOAT_BATCH_MIN} where
     * vectors are 256 bits wide, and off otherwise.
     * <p>
     * Why by width: on AMD Zen 3 (256-bit vectors) the integer batch kernels need two vector operations per 16
     * products and spill AVX2's sixteen registers, and the float products ran faster from 12-16 tokens on (one core,
     * 2048 x 2048, three rounds alternating: Q4_K at 16 tokens 37.1-39.4 against 33.2-33.4 G multiply-adds/s, at 64
     * 41-45 against 25-35, at 8 26.6-28.5 against 33.2-33.8; Q6_K at 16 32.9-33.6 against 24.6-27.2; Q5_K at 16
     * 30.7-34.0 against 18.2-21.1). With 512-bit vectors (Zen 4) the integer Q4_K kernel ran at 80-87 G
     * multiply-adds/s on two threads, near what two FMA pipes leave a float loop; float batches were not measured
     * there, and 128-bit machines not at all.
     */
    static int floatBatchTokens(String property, int vectorBits) {
        if (property == null || property.isBlank()) {
            return vectorBits == 256 ? FLOAT_BATCH_MIN : FLOAT_BATCH_OFF;
        }
        String p = property.trim();
        if (p.equals("off")) {
            return FLOAT_BATCH_OFF;
        }
        try {
            int n = Integer.parseInt(p);
            if (n >= 2) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(FLOAT_BATCH_PROPERTY + ": expected a token count of at least 2 or off, found '"
                + property + "'");
    }

    /** The default of {@link #floatBatchTokens} at 256 bits: 8-token batches (a serve step) stay integer. */
    static final int FLOAT_BATCH_MIN = 16;
    /** {@link #floatBatchTokens}' answer when no batch runs in float. */
    static final int FLOAT_BATCH_OFF = Integer.MAX_VALUE;

    /**
     * Whether batched products read each pair's lines ahead ({@link #touchLines}): {@code property} ({@code true} or
     * {@code false}) where set, else where vectors are 512 bits wide. The pass paid for itself on AMD Zen 4 (512-bit
     * vectors, see touchLines), and cost more than it saved on AMD Zen 3 (256-bit vectors), whose hardware fetches the
     * batch kernel's stream ahead in time: `kiln bench -p 8 -w 8 -r 15` on the tinyllama Q4_K_M file, four
     * alternating rounds, 52.3-53.3 t/s with it against 55.4-60.1 without; `kiln serve -np 8` with eight `ServeLoad`
     * clients 46.4-47.9 against 48.0-51.1 (three rounds). The width stands in for the two machines measured; other CPUs
     * were not.
     */
    static boolean readsAhead(String property, int vectorBits) {
        if (property == null || property.isBlank()) {
            return vectorBits >= 512;
        }
        return switch (property.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                    READ_AHEAD_PROPERTY + ": expected true or false, found '" + property + "'");
        };
    }

    /** {@code out [tokens][rows] = x [tokens][cols] · wᵀ}. */
    void apply(CpuTensor.Packed w, float[] x, float[] out, int tokens) {
        one[0] = w;
        oneOut[0] = out;
        try {
            apply(one, x, oneOut, tokens);
        } finally {
            one[0] = null;
            oneOut[0] = null;
        }
    }

    /**
     * {@code out[i] [tokens][rows_i] = x [tokens][cols] · w[i]ᵀ} for every i: products of one input (q, k and v; gate
     * and up) run as one call. The activations are quantized once for each activation block size the kernels take,
     * and the row-group pairs of all the matrices form one range the threads claim from, so a small matrix (attn_k,
     * attn_v) pays no dispatch and no wait of its own and the threads finish together once, not once per product.
     */
    void apply(CpuTensor.Packed[] w, float[] x, float[][] out, int tokens) {
        if (w.length != out.length || w.length == 0) {
            throw new IllegalArgumentException("products: expected as many outputs as matrices (at least one), found "
                    + out.length + " outputs and " + w.length + " matrices");
        }
        int cols = w[0].matrix().cols();
        prepareProducts(w.length);
        // an output that is the input keeps the whole call integer: the quantizing pass reads the input before any
        // product writes, where a float product would read it while another product overwrites it
        boolean aliased = false;
        for (float[] o : out) {
            aliased |= o == x;
        }
        boolean needs256 = false;
        boolean needs32 = false;
        for (int i = 0; i < w.length; i++) { // every shape checked before any work
            PackedMatrix m = w[i].matrix();
            checkShapes(m, cols, x, out[i], tokens);
            boolean floats = !aliased && runsInFloat(w[i], tokens);
            inFloat[i] = floats;
            floatProducts += floats ? 1 : 0;
            needs256 |= !floats && w[i].kernel().activationBlock() == 256;
            needs32 |= !floats && w[i].kernel().activationBlock() != 256;
            firstPair[i + 1] = firstPair[i] + m.groups() / 2;
        }
        calls++;
        try {
            this.x = x;
            this.tokens = tokens;
            if (needs256) {
                quantize(blocks256, x, tokens, cols);
            }
            if (needs32) {
                quantize(blocks32, x, tokens, cols);
            }
            weights = w;
            outs = out;
            threads.parallelFor(firstPair[w.length], pairTask);
        } finally {
            weights = null;
            outs = null;
            this.x = null;
        }
    }

    /**
     * Multiplies the first pair of row groups of {@code w} ({@link PackedMatrix#firstPair}) by four tokens and by one
     * (and in float by 10 and 9 tokens, over at most two panels' columns, where the type's batches run in float),
     * {@link #WARM_UP_CALLS} times each, so that the kernels of its type reach the JIT early, with a profile from the
     * model's own weights and row length, and C2 compiles them while the load goes on. Call it once per weight type,
     * at load. Returns the products it ran. It makes a tier-3 profile likely, not certain: a second reader saw the
     * warm-up's own first compiles at tier 2 while the compile queue still held the packing code, and once in three
     * runs {@code finishQuadPair} then went from tier 2 to 4 (no slowdown seen there).
     * <p>
     * Why: without it the batch kernels were first called by the first prompt, while the load's one-token warm-up step
     * and the prompt kept the compiler's queue long. HotSpot then compiles a method at tier 2 (C1 without a profile)
     * instead of tier 3, and C2 compiled the Q4_K batch kernel from that tier-2 state in two runs of six into code whose
     * vector operations were not intrinsified: Mistral 7B Q4_K_M, {@code kiln bench -p 64 -n 0 -r 2} on two threads
     * (Zen 3), 0.55 and 0.57 t/s against 7.6-9.0 ({@code -XX:+PrintCompilation}: tier 2 then 4 in the slow run, tier 3
     * then 4 in the others), and {@code kiln run -p Hello} waited 10.1-16.5 s for its 4-token prompt in three runs of six
     * (2.4-2.8 s in the others). With this warm-up: pp64 7.6-9.3 t/s in thirteen runs of thirteen, the first prompt
     * 1.6-4.2 s in fourteen of fourteen; it took 0.85-1.0 s of that load (Q4_K and Q6_K, eight rounds then: see
     * {@link #WARM_UP_CALLS}), which took 10.2-13.9 s.
     */
    int warmUp(CpuTensor.Packed w) {
        CpuTensor.Packed pair = new CpuTensor.Packed(w.matrix().firstPair(), w.kernel(), w.source());
        int cols = pair.matrix().cols();
        int tokens = Q8Activations.TOKEN_BLOCK;
        float[] x = new float[tokens * cols]; // [tokens][cols]: any values (they steer no branch of the kernels)
        Random random = new Random(cols);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        // float batches too where the type takes them, of 10 and 9 tokens whatever the threshold (each block of
        // FloatPanel runs: 6 and 4; 6, 2 and 1) over at most two panels' columns: in the interpreter and C1 the vector
        // operations are slow (22 and 27 tokens over the 1B file's whole rows took 0.6 s of its load), and a second
        // panel adds to the first's sums, a path that one panel alone left out of the profile (C2 compiled it into a
        // trap, and FloatPanel was deoptimized and compiled again during the first prompts)
        CpuTensor.Packed panelPair = new CpuTensor.Packed(w.matrix().firstPair(2 * PANEL_COLUMNS), w.kernel(), w.source());
        int panelCols = panelPair.matrix().cols();
        boolean floats = floatBatchTokens < FLOAT_BATCH_OFF && runsInFloat(panelPair, floatBatchTokens);
        float[] xf = new float[floats ? 10 * panelCols : 0]; // [10][panelCols]
        for (int i = 0; i < xf.length; i++) {
            xf[i] = (float) random.nextGaussian();
        }
        float[] out = new float[Math.max(tokens, 10) * pair.matrix().rows()]; // [tokens][rows]
        long before = calls;
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            apply(pair, x, out, tokens);
            apply(pair, x, out, 1);
            if (floats) {
                int threshold = floatBatchTokens;
                floatBatchTokens = 2;
                try {
                    for (int j = 0; j < FLOAT_WARM_UP_CALLS; j++) {
                        apply(panelPair, xf, out, 10);
                        apply(panelPair, xf, out, 9);
                    }
                } finally {
                    floatBatchTokens = threshold;
                }
            }
        }
        return (int) (calls - before);
    }

    /** Grows the per-call arrays to hold {@code count} products. */
    private void prepareProducts(int count) {
        if (inFloat.length < count) {
            inFloat = new boolean[count];
            firstPair = new int[count + 1];
        }
    }

    private static void checkShapes(PackedMatrix m, int cols, float[] x, float[] out, int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tensor " + m.name() + ": tokens must be >= 1, found " + tokens);
        }
        if (m.cols() != cols) {
            throw new IllegalArgumentException("tensor " + m.name()
                    + ": products of one input need the same width, found " + m.cols() + " columns against " + cols);
        }
        if ((long) tokens * m.cols() > x.length) {
            throw new IllegalArgumentException("tensor " + m.name() + ": x needs [" + tokens + "][" + m.cols()
                    + "] floats, found " + x.length);
        }
        if ((long) tokens * m.rows() > out.length) {
            throw new IllegalArgumentException("tensor " + m.name() + ": out needs [" + tokens + "][" + m.rows()
                    + "] floats, found " + out.length);
        }
    }

    /** Quantizes {@code x [tokens][cols]} into q, on all the threads from {@link #PARALLEL_VALUES} values on. */
    private void quantize(Q8Activations q, float[] x, int tokens, int cols) {
        q.prepare(x, tokens, cols);
        if ((long) tokens * cols < PARALLEL_VALUES) {
            q.quantizeTokens(0, tokens);
            return;
        }
        quantizing = q;
        try {
            threads.parallelFor(tokens, quantizeTask);
        } finally {
            quantizing = null;
        }
    }

    /** Quantizes tokens [start, end) of the activations being quantized (see {@link Q8Activations#prepare}). */
    private void quantizeTokens(int start, int end) {
        quantizing.quantizeTokens(start, end);
    }

    /** Pairs [start, end) of the call's range, each run by the product it belongs to. */
    private void pairs(int start, int end) {
        CpuTensor.Packed[] w = weights;
        for (int i = 0; i < w.length && start < end; i++) {
            int last = firstPair[i + 1];
            if (start >= last) {
                continue;
            }
            int to = Math.min(end, last);
            PackedKernel k = w[i].kernel();
            if (inFloat[i]) {
                floatGroups(k, w[i].matrix(), outs[i], start - firstPair[i], to - firstPair[i]);
            } else {
                Q8Activations q = k.activationBlock() == 256 ? blocks256 : blocks32;
                groups(k, w[i].matrix(), q, outs[i], start - firstPair[i], to - firstPair[i]);
            }
            start = to;
        }
    }

    /**
     * Group pairs [start, end) of one product in float: each group's weights are decoded a panel of
     * {@link #PANEL_COLUMNS} columns at a time and multiplied with every token of the call's activations, the sums
     * carried from panel to panel in {@code o} (a group's rows past the last row go through a buffer).
     */
    private void floatGroups(PackedKernel k, PackedMatrix m, float[] o, int start, int end) {
        int rows = m.rows();
        int groupRows = m.groupRows();
        int cols = m.cols();
        int length = k.blockLength();
        int blocks = cols / length;
        int panelBlocks = Math.max(1, PANEL_COLUMNS / length);
        float[] p = PANEL.get(); // [panelBlocks · length][groupRows]
        if (p == null || p.length < panelBlocks * length * groupRows) {
            p = new float[panelBlocks * length * groupRows];
            PANEL.set(p);
        }
        float[] buffer = null; // [tokens][groupRows], for a group with padding rows
        for (int pair = start; pair < end; pair++) {
            for (int g = 2 * pair; g < 2 * pair + 2; g++) {
                int first = g * groupRows;
                int valid = Math.min(groupRows, rows - first);
                if (valid <= 0) {
                    break; // the padding group of an odd count
                }
                boolean whole = valid == groupRows;
                if (!whole && buffer == null) {
                    buffer = new float[tokens * groupRows];
                }
                float[] target = whole ? o : buffer; // [tokens][rows] from row first, or [tokens][groupRows]
                int at = whole ? first : 0;
                int stride = whole ? rows : groupRows;
                for (int b = 0; b < blocks; b += panelBlocks) {
                    int n = Math.min(panelBlocks, blocks - b);
                    k.decodeGroup(m, g, b, n, p);
                    panels.multiply(p, n * length, x, b * length, cols, tokens, target, at, stride, b > 0);
                }
                if (!whole) {
                    for (int t = 0; t < tokens; t++) {
                        System.arraycopy(buffer, t * groupRows, o, t * rows + first, valid);
                    }
                }
            }
        }
    }

    /**
     * Reads one byte of every cache line of a pair's packed rows, so that the batched kernel's first pass over them
     * finds them in cache. That pass asks for a line every few dozen cycles, too slowly for the hardware to fetch far
     * enough ahead, and waited for memory: one core, 8 tokens, 32000 x 2048 rows, Q4_K at 34-42 G multiply-adds/s
     * against 51-55 when the rows fit the caches, Q6_K 22-28 against 42-47; this loop has many reads in flight at
     * once, and with it 41-47 and 27-34 (a one-core kernel harness, alternating runs). In the model, `kiln serve -np 8`
     * with 8 clients (8-token steps): 67.2, 67.2 and 55.4 t/s against 56.3, 61.7 and 52.5 without (alternating).
     * Decode reads its rows in one fast stream and is left alone. Run only where {@link #readsAhead} says so.
     */
    private void touchLines(PackedMatrix m, int pair) {
        MemorySegment data = m.data();
        long sum = 0;
        for (long at = m.pairOffset(pair), end = m.pairOffset(pair + 1); at < end; at += CACHE_LINE) {
            sum += data.get(ValueLayout.JAVA_BYTE, at);
        }
        touched = sum; // kept, so the JIT keeps the reads
    }

    /**
     * Group pairs [start, end) of one product. A single token (decode) goes through the decode kernel, two groups at a time. Two or
     * more go through the batched kernel in blocks of four, group by group (or pair by pair, where the kernel
     * {@link PackedKernel#batchesPairs() batches pairs}), the last block padded with the zero tokens
     * {@link Q8Activations} keeps (one pass over the weights instead of one per leftover token).
     */
    private void groups(PackedKernel k, PackedMatrix m, Q8Activations q, float[] o, int start, int end) {
        int rows = m.rows();
        int groupRows = m.groupRows();
        int tokens = q.tokens();
        float[] buffer = tail.get(); // [TOKEN_BLOCK][2 groupRows], [TOKEN_BLOCK][groupRows] or [2 groupRows]
        if (buffer == null) {
            buffer = new float[Q8Activations.TOKEN_BLOCK * 2 * groupRows];
            tail.set(buffer);
        }
        for (int pair = start; pair < end; pair++) {
            int g = 2 * pair;
            if (tokens > 1 && readAhead) {
                touchLines(m, pair);
            }
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
            if (k.batchesPairs()) {
                int first = g * groupRows;
                int valid = Math.min(2 * groupRows, rows - first);
                for (int t = 0; t < tokens; t += Q8Activations.TOKEN_BLOCK) {
                    int n = Math.min(Q8Activations.TOKEN_BLOCK, tokens - t);
                    if (valid == 2 * groupRows && n == Q8Activations.TOKEN_BLOCK) {
                        k.multiplyQuadPair(m, g, q, t, o, t * rows + first, rows);
                    } else {
                        k.multiplyQuadPair(m, g, q, t, buffer, 0, 2 * groupRows);
                        for (int i = 0; i < n; i++) {
                            System.arraycopy(buffer, i * 2 * groupRows, o, (t + i) * rows + first, valid);
                        }
                    }
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
