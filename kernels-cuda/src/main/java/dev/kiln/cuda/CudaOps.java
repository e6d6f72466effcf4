package dev.kiln.cuda;

import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;
import dev.kiln.gguf.GgmlType;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import static dev.kiln.cuda.CudaBackend.tensor;

/**
 * The decoder-block operations as launches of Kiln's PTX kernels on the backend's stream. matMul picks the path by
 * batch size: up to {@link Workspace#MATVEC_MAX_TOKENS} tokens the multi-column dp4a mat-vec (x quantized to q8x
 * first; each weight block read once for all tokens), above it the prefill GEMM (cuBLAS on F16 slices of the weights,
 * or the own tensor-core mmw / FP32 mm kernels, see {@link Gemm}) on activations scaled per token into F16's range. A
 * failing launch becomes a BackendException naming the op and its shapes. Batch rows always go in grid.x, which has no
 * 65535 limit.
 */
final class CudaOps implements Ops, AutoCloseable {
    private static final int THREADS = 256;
    private static final int MV_ROWS_PER_BLOCK = 4;   // matvec.cu ROWS_PER_BLOCK: one warp per row
    private static final int MM_TILE = 64;            // matmul.cu BM = BN
    private static final int MMW_THREADS = 128;       // matmul.cu mmw_*: four warps, a 32 x 32 quarter each
    private static final int ATTN_THREADS = 128;      // attention.cu ATTN_THREADS
    static final int MAX_HEAD_DIM = 256;              // attention.cu MAX_HEAD_DIM
    static final int GQA_MAX = 8;                     // attention.cu GQA_MAX: query heads per block

    private final CudaBackend backend;
    private final Gemm gemm;
    private final StepGraphs graphs;   // null: launches are issued at once
    private final BatchArrays batchArrays;
    private final Scratch q8x, attnParts, gemmW, gemmX, xScales, ropeTable;
    private long gemmChunkBytes = Workspace.GEMM_CHUNK_BYTES;
    private Rope uploadedRope;
    private int uploadedRopeGeneration = -1;
    // x whose q8x form is in the q8x scratch: Q, K and V (and gate and up) read the same normed x, so it is quantized
    // once per step; any op that writes a tensor forgets it if it was this one
    private CudaTensor quantized;
    private int quantizedTokens;
    private int quantizedCols;
    private int quantizedGeneration;

    CudaOps(CudaBackend backend, Gemm gemm, boolean useGraphs) {
        this.backend = backend;
        this.gemm = gemm;
        this.graphs = useGraphs ? new StepGraphs(backend.stream()) : null;
        CudaContext c = backend.context();
        batchArrays = new BatchArrays(c, this::flushIfBatchArraysInUse);
        q8x = new Scratch(c, "q8x activations", this::flush);
        attnParts = new Scratch(c, "attention partials", this::flush);
        gemmW = new Scratch(c, "cuBLAS F16 weight slice", this::flush);
        gemmX = new Scratch(c, "cuBLAS F16 activations", this::flush);
        xScales = new Scratch(c, "prefill F16 scales", this::flush);
        ropeTable = new Scratch(c, "rope frequencies", this::flush);
    }

    /** Whether the attention kernels run this shape (else the block must stay on the CPU). */
    static boolean attentionSupported(Attention a) {
        return a.keyLength() == a.valueLength() && a.keyLength() > 0 && a.keyLength() % 2 == 0 && a.keyLength() <= MAX_HEAD_DIM;
    }

    /** Bytes of backend scratch allocated now (what {@link Workspace#bytes} estimates), cuBLAS's workspace included. */
    long scratchBytes() {
        long sum = gemm.workspaceBytes();
        for (Scratch s : new Scratch[] {batchArrays.scratch(), q8x, attnParts, gemmW, gemmX, xScales, ropeTable}) {
            sum += s.sizeBytes();
        }
        return sum;
    }

    /** For tests: the F16 weight slice cuBLAS multiplies at a time. */
    void gemmChunkBytes(long bytes) {
        gemmChunkBytes = bytes;
    }

    /** Issues or queues a launch; usesBatchArrays marks launches that read {@link BatchArrays}. */
    private void go(Launch launch, boolean usesBatchArrays) {
        if (graphs == null) {
            launch.run(backend.stream());
        } else {
            graphs.add(launch, usesBatchArrays);
        }
    }

    /** Issues every queued launch (as a replayed graph when the sequence repeats); called at host sync points. */
    void flush() {
        if (graphs != null && !graphs.isEmpty()) {
            try {
                graphs.flush();
            } catch (CudaException e) {
                throw failed("step", e);
            }
        }
    }

    private void flushIfBatchArraysInUse() {
        if (graphs != null && graphs.pendingUsesBatchArrays()) {
            flush();
        }
    }

    /** Graph statistics, or null without graphs. */
    String graphStats() {
        return graphs == null ? null : graphs.stats();
    }

    Gemm gemm() {
        return gemm;
    }

    private Launch launch(Ptx ptx, String kernel) {
        return backend.module(ptx).launch(kernel);
    }

    private static int blocks(long n, int threads) {
        return (int) Math.min(65535, (n + threads - 1) / threads);
    }

    /** Called for every tensor an op (or a host copy) writes. */
    void written(DeviceTensor t) {
        if (t == quantized) {
            quantized = null;
        }
    }

    private static BackendException failed(String op, RuntimeException e) {
        return new BackendException("cuda " + op + ": " + e.getMessage(), e);
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        written(out);
        CudaTensor o = tensor(out), t = tensor(table);
        backend.bind();
        try {
            batchArrays.ensure(batch, 0);
            go(launch(Ptx.MATMUL, "embed_" + t.type().name()).grid(batch.size(), blocks(t.cols(), THREADS), 1).block(THREADS)
                    .arg(t.buffer()).arg(batchArrays.tokens()).arg(o.buffer()).arg((int) t.cols()), true);
        } catch (CudaException | IllegalArgumentException e) {
            throw failed("embed " + t + ", " + batch.size() + " rows", e);
        }
    }

    @Override
    public void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps) {
        written(out);
        backend.bind();
        try {
            go(launch(Ptx.OPS, "rmsnorm").grid(rows).block(THREADS).arg(tensor(x).buffer()).arg(tensor(weight).buffer())
                    .arg(tensor(out).buffer()).arg(dim).arg(eps), false);
        } catch (CudaException e) {
            throw failed("rmsNorm [" + rows + " x " + dim + "]", e);
        }
    }

    @Override
    public void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens) {
        written(out);
        CudaTensor o = tensor(out), wt = tensor(w), xt = tensor(x);
        int rows = (int) wt.rows(), cols = (int) wt.cols();
        GgmlType type = wt.type();
        backend.bind();
        try {
            if (tokens <= Workspace.MATVEC_MAX_TOKENS) {
                matVec(o, wt, xt, rows, cols, tokens);
            } else {
                prefill(o, wt, xt, rows, cols, tokens);
            }
        } catch (CudaException | IllegalArgumentException e) {
            throw failed("matMul " + type + " [" + rows + " x " + cols + "], " + tokens + " tokens", e);
        }
    }

    /** The column count of the mat-vec kernel for {@code tokens} tokens: 1, 2, 4, 8 or 16 (the next power of two). */
    static int matVecColumns(int tokens) {
        return tokens <= 1 ? 1 : Integer.highestOneBit(tokens - 1) << 1;
    }

    private static String matVecKernel(GgmlType type, int columns) {
        return "mv_" + type.name() + (columns == 1 ? "" : "_c" + columns);
    }

    private void matVec(CudaTensor o, CudaTensor w, CudaTensor x, int rows, int cols, int tokens) {
        GgmlType type = w.type();
        int grid = (rows + MV_ROWS_PER_BLOCK - 1) / MV_ROWS_PER_BLOCK, columns = matVecColumns(tokens);
        if (type == GgmlType.F32 || type == GgmlType.F16) {
            go(launch(Ptx.MATVEC, matVecKernel(type, columns)).grid(grid, 1, 1).block(32 * MV_ROWS_PER_BLOCK)
                    .arg(w.buffer()).arg(x.buffer()).arg(o.buffer()).arg(rows).arg(cols).arg(tokens), false);
            return;
        }
        long bytes = Workspace.q8xBytes(tokens, cols);
        DeviceBuffer q = q8x.atLeast(bytes);
        if (quantized != x || quantizedTokens != tokens || quantizedCols != cols || quantizedGeneration != q8x.generation()) {
            quantized = null;
        }
        CUdeviceptr xq = q.pointer(), xd = q.at((long) tokens * cols);
        if (quantized == null) {
            int q8Blocks = tokens * cols / 32;
            go(launch(Ptx.MATVEC, "quantize_q8x").grid(blocks(q8Blocks, THREADS / 32)).block(THREADS)
                    .arg(x.buffer()).arg(xq).arg(xd).arg(cols).arg(tokens), false);
            quantized = x;
            quantizedTokens = tokens;
            quantizedCols = cols;
            quantizedGeneration = q8x.generation();
        }
        go(launch(Ptx.MATVEC, matVecKernel(type, columns)).grid(grid, 1, 1).block(32 * MV_ROWS_PER_BLOCK)
                .arg(w.buffer()).arg(xq).arg(xd).arg(o.buffer()).arg(rows).arg(cols).arg(tokens), false);
    }

    /**
     * Prefill: per-token power-of-two scales that bring each activation row inside F16's range, then cuBLAS on F16
     * slices of the weights (falling back to the own kernels for good if cuBLAS fails) or the own kernels.
     */
    private void prefill(CudaTensor o, CudaTensor w, CudaTensor x, int rows, int cols, int tokens) {
        GgmlType type = w.type();
        String family = gemm.kernelPrefix();
        if ("mm_".equals(family)) {   // FP32 tiles: no F16 anywhere
            go(launch(Ptx.MATMUL, "mm_" + type.name()).grid((rows + MM_TILE - 1) / MM_TILE, (tokens + MM_TILE - 1) / MM_TILE, 1)
                    .block(THREADS).arg(w.buffer()).arg(x.buffer()).arg(o.buffer()).arg(rows).arg(cols).arg(tokens), false);
            return;
        }
        DeviceBuffer scales = xScales.atLeast(4L * tokens);
        go(launch(Ptx.OPS, "f16_scales").grid(tokens).block(THREADS).arg(x.buffer()).arg(scales).arg(cols), false);
        if (gemm.isCublas()) {
            try {
                cublas(o, w, x, scales, rows, cols, tokens);
                return;
            } catch (Gemm.CublasException e) {
                gemm.fallBack(e.getMessage());
                gemmW.close();   // the F16 operands are cuBLAS's alone
                gemmX.close();
            }
        }
        go(launch(Ptx.MATMUL, "mmw_" + type.name()).grid((rows + MM_TILE - 1) / MM_TILE, (tokens + MM_TILE - 1) / MM_TILE, 1)
                .block(MMW_THREADS).arg(w.buffer()).arg(x.buffer()).arg(scales).arg(o.buffer()).arg(rows).arg(cols).arg(tokens), false);
    }

    /** cuBLAS on F16 operands: x / scale once, then each slice of weight rows dequantized and multiplied into y. */
    private void cublas(CudaTensor o, CudaTensor w, CudaTensor x, DeviceBuffer scales, int rows, int cols, int tokens) {
        GgmlType type = w.type();
        int chunk = Workspace.gemmChunkRows(rows, cols, gemmChunkBytes);
        DeviceBuffer x16 = gemmX.atLeast(2L * tokens * cols), w16 = gemmW.atLeast(2L * chunk * cols);
        go(launch(Ptx.OPS, "f32_to_f16_scaled").grid(blocks((long) tokens * cols, THREADS)).block(THREADS)
                .arg(x.buffer()).arg(scales).arg(x16).arg(cols).arg(tokens), false);
        long rowBytes = type.byteSize(cols);
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int m = Math.min(chunk, rows - r0);
            go(launch(Ptx.MATMUL, "dequant_f16_" + type.name()).grid(blocks((long) m * cols, THREADS)).block(THREADS)
                    .arg(w.buffer().at(r0 * rowBytes)).arg(w16).arg(m).arg(cols), false);
            flush();
            gemm.gemmF16(w16.pointer(), x16.pointer(), o.buffer().at(4L * r0), m, cols, tokens, rows);
        }
        go(launch(Ptx.OPS, "scale_rows").grid(tokens).block(THREADS).arg(o.buffer()).arg(scales).arg(rows), false);
    }

    @Override
    public void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim) {
        written(x);
        backend.bind();
        try {
            go(launch(Ptx.OPS, "add_bias").grid(blocks((long) rows * dim, THREADS)).block(THREADS).arg(tensor(x).buffer())
                    .arg(tensor(bias).buffer()).arg(rows).arg(dim), false);
        } catch (CudaException e) {
            throw failed("addBias [" + rows + " x " + dim + "]", e);
        }
    }

    @Override
    public void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope) {
        written(x);
        backend.bind();
        try {
            batchArrays.ensure(batch, 0);
            DeviceBuffer freqs = ropeFrequencies(rope);
            go(launch(Ptx.OPS, "rope").grid(batch.size(), heads, 1).block(Math.min(THREADS, Math.max(32, rope.dimensions() / 2)))
                    .arg(tensor(x).buffer()).arg(batchArrays.positions()).arg(heads).arg(headLength).arg(rope.dimensions())
                    .arg(rope.pairing() == RopePairing.NEOX ? 1 : 0).arg(freqs).arg(rope.magnitude()), true);
        } catch (CudaException | IllegalArgumentException e) {
            throw failed("rope " + batch.size() + " rows x " + heads + " heads x " + headLength, e);
        }
    }

    /** The rope's per-pair frequencies as floats on the device, uploaded when the rope or the buffer changes. */
    private DeviceBuffer ropeFrequencies(Rope rope) {
        int pairs = rope.dimensions() / 2;
        DeviceBuffer buffer = ropeTable.atLeast(4L * pairs);
        if (rope != uploadedRope || ropeTable.generation() != uploadedRopeGeneration) {
            flush();
            uploadedRope = null;
            float[] f = new float[pairs];
            for (int p = 0; p < pairs; p++) {
                f[p] = (float) rope.frequency(p);
            }
            CudaException.check(backend.driver().memcpyHtoD(buffer.pointer(), Pointer.to(f), 4L * pairs), "upload rope frequencies");
            uploadedRope = rope;
            uploadedRopeGeneration = ropeTable.generation();
        }
        return buffer;
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        backend.bind();
        try {
            batchArrays.ensure(batch, kv.sequenceCapacity());
            int widest = Math.max(kv.keyWidth(), kv.valueWidth());
            go(launch(Ptx.OPS, "kv_store").grid(batch.size(), blocks(widest, THREADS), 1).block(THREADS)
                    .arg(tensor(k).buffer()).arg(tensor(v).buffer()).arg(tensor(kv.keys()).buffer()).arg(tensor(kv.values()).buffer())
                    .arg(batchArrays.kvStart()).arg(batchArrays.kvLen()).arg(kv.keyWidth()).arg(kv.valueWidth()), true);
        } catch (CudaException | IllegalArgumentException e) {
            throw failed("storeKv " + batch.size() + " rows, widths " + kv.keyWidth() + "/" + kv.valueWidth(), e);
        }
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attn) {
        written(out);
        int rows = batch.size(), heads = attn.headCount(), kvHeads = attn.headCountKv(), headDim = attn.keyLength();
        if (!attentionSupported(attn)) {   // placement keeps such blocks on the CPU (CudaBackend.supports)
            throw new BackendException("cuda attention: key/value length " + attn.keyLength() + "/" + attn.valueLength()
                    + " unsupported (equal, even, at most " + MAX_HEAD_DIM + ")");
        }
        backend.bind();
        try {
            batchArrays.ensure(batch, kv.sequenceCapacity());
            int nsplit = Workspace.splits(rows, kv.sequenceCapacity());
            int splitLen = (kv.sequenceCapacity() + nsplit - 1) / nsplit;
            int chunks = (attn.groupSize() + GQA_MAX - 1) / GQA_MAX;
            DeviceBuffer parts = attnParts.atLeast(Workspace.attentionBytes(rows, heads, headDim, nsplit));
            long n = (long) rows * heads * nsplit;
            CUdeviceptr partM = parts.pointer(), partL = parts.at(4 * n), partO = parts.at(8 * n);
            go(launch(Ptx.ATTENTION, "attn_partial").grid(rows, nsplit, kvHeads * chunks).block(ATTN_THREADS)
                    .arg(tensor(q).buffer()).arg(tensor(kv.keys()).buffer()).arg(tensor(kv.values()).buffer())
                    .arg(batchArrays.positions()).arg(batchArrays.kvStart()).arg(batchArrays.kvLen())
                    .arg(heads).arg(kvHeads).arg(headDim).arg(attn.scale()).arg(0f)
                    .arg(attn.temperatureScale()).arg(Math.max(1, attn.temperatureLength())).arg(splitLen)
                    .arg(partM).arg(partL).arg(partO), true);
            go(launch(Ptx.ATTENTION, "attn_combine").grid(rows * heads).block(Math.min(THREADS, Math.max(32, headDim)))
                    .arg(partM).arg(partL).arg(partO).arg(tensor(out).buffer()).arg(heads).arg(headDim).arg(nsplit), false);
        } catch (CudaException | IllegalArgumentException e) {
            throw failed("attention " + rows + " rows, " + heads + "/" + kvHeads + " heads x " + headDim, e);
        }
    }

    @Override
    public void swiGlu(DeviceTensor gate, DeviceTensor up, int floats) {
        written(gate);
        backend.bind();
        try {
            go(launch(Ptx.OPS, "swiglu").grid(blocks(floats, THREADS)).block(THREADS).arg(tensor(gate).buffer())
                    .arg(tensor(up).buffer()).arg((long) floats), false);
        } catch (CudaException e) {
            throw failed("swiGlu " + floats, e);
        }
    }

    @Override
    public void add(DeviceTensor acc, DeviceTensor x, int floats) {
        written(acc);
        backend.bind();
        try {
            go(launch(Ptx.OPS, "add").grid(blocks(floats, THREADS)).block(THREADS).arg(tensor(acc).buffer())
                    .arg(tensor(x).buffer()).arg((long) floats), false);
        } catch (CudaException e) {
            throw failed("add " + floats, e);
        }
    }

    @Override
    public void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim) {
        written(dst);
        CudaTensor d = tensor(dst), s = tensor(src);
        backend.bind();
        flush();
        try {
            for (int i = 0; i < count; i++) {
                if (rows[i] == i && d == s) {
                    continue;
                }
                CudaException.check(backend.driver().memcpyDtoDAsync(d.buffer().at(4L * i * dim), s.buffer().at(4L * rows[i] * dim),
                        4L * dim, backend.stream()), "cuMemcpyDtoDAsync row " + rows[i]);
            }
        } catch (CudaException e) {
            throw failed("gatherRows " + count + " x " + dim, e);
        }
    }

    @Override
    public void close() {
        if (graphs != null) {
            graphs.close();
        }
        RuntimeException first = null;
        for (AutoCloseable c : new AutoCloseable[] {batchArrays, q8x, attnParts, gemmW, gemmX, xScales, ropeTable, gemm}) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException r ? r : new RuntimeException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
