package dev.kiln.cuda;

import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;
import dev.kiln.core.arch.RopePairing;
import dev.kiln.gguf.GgmlType;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import static dev.kiln.cuda.CudaBackend.tensor;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/**
 * The decoder-block operations as launches of Kiln's PTX kernels on the backend's stream. matMul picks the path by
 * batch size: up to {@link Workspace#MATVEC_MAX_TOKENS} tokens the dp4a mat-vec (x quantized to q8x first), above it
 * the prefill GEMM (cuBLAS on F16 operands, or the own tensor-core mmw / FP32 mm kernels, see {@link Gemm}). A failing launch becomes a BackendException naming
 * the op and its shapes.
 */
final class CudaOps implements Ops, AutoCloseable {
    private static final int THREADS = 256;
    private static final int MV_ROWS_PER_BLOCK = 4;   // matvec.cu ROWS_PER_BLOCK: one warp per row
    private static final int MM_TILE = 64;            // matmul.cu BM = BN
    private static final int MMW_THREADS = 128;       // matmul.cu mmw_*: four warps, a 32 x 32 quarter each
    private static final int ATTN_THREADS = 128;      // attention.cu ATTN_THREADS
    private static final int MAX_HEAD_DIM = 256;      // attention.cu MAX_HEAD_DIM

    private final CudaBackend backend;
    private final Gemm gemm;
    private final StepGraphs graphs;   // null: launches are issued at once
    private final BatchArrays batchArrays = new BatchArrays(this::flushIfBatchArraysInUse);
    private final Scratch q8x = new Scratch("q8x activations", this::flush);
    private final Scratch attnParts = new Scratch("attention partials", this::flush);
    private final Scratch gemmW = new Scratch("cuBLAS F16 weights", this::flush);
    private final Scratch gemmX = new Scratch("cuBLAS F16 activations", this::flush);
    private final Scratch ropeTable = new Scratch("rope frequencies", this::flush);
    private Rope uploadedRope;
    // x whose q8x form is in the q8x scratch: Q, K and V (and gate and up) read the same normed x, so it is quantized
    // once per step; any op that writes a tensor forgets it if it was this one
    private CudaTensor quantized;
    private int quantizedTokens;
    private int quantizedCols;

    CudaOps(CudaBackend backend, Gemm gemm, boolean useGraphs) {
        this.backend = backend;
        this.gemm = gemm;
        this.graphs = useGraphs ? new StepGraphs(backend.stream()) : null;
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

    private static BackendException failed(String op, CudaException e) {
        return new BackendException("cuda " + op + ": " + e.getMessage(), e);
    }

    @Override
    public void embed(DeviceTensor out, DeviceTensor table, Batch batch) {
        written(out);
        CudaTensor o = tensor(out), t = tensor(table);
        backend.bind();
        try {
            batchArrays.ensure(batch, 0);
            go(launch(Ptx.MATMUL, "embed_" + t.type().name()).grid(blocks(t.cols(), THREADS), batch.size(), 1).block(THREADS)
                    .arg(t.buffer()).arg(batchArrays.tokens()).arg(o.buffer()).arg((int) t.cols()), true);
        } catch (CudaException e) {
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
            } else if (gemm.isCublas() && 2L * rows * cols <= Workspace.CUBLAS_MAX_WEIGHT_BYTES) {
                DeviceBuffer w16 = gemmW.atLeast(2L * rows * cols), x16 = gemmX.atLeast(2L * tokens * cols);
                go(launch(Ptx.MATMUL, "dequant_f16_" + type.name()).grid(blocks((long) rows * cols, THREADS)).block(THREADS)
                        .arg(wt.buffer()).arg(w16).arg(rows).arg(cols), false);
                go(launch(Ptx.OPS, "f32_to_f16").grid(blocks((long) tokens * cols, THREADS)).block(THREADS)
                        .arg(xt.buffer()).arg(x16).arg((long) tokens * cols), false);
                flush();
                gemm.gemmF16(w16.pointer(), x16.pointer(), o.buffer().pointer(), rows, cols, tokens);
            } else {
                String family = gemm.kernelPrefix() != null ? gemm.kernelPrefix() : "mmw_";   // cuBLAS too big: tensor cores
                go(launch(Ptx.MATMUL, family + type.name()).grid((rows + MM_TILE - 1) / MM_TILE, (tokens + MM_TILE - 1) / MM_TILE, 1)
                        .block(family.equals("mmw_") ? MMW_THREADS : THREADS).arg(wt.buffer()).arg(xt.buffer()).arg(o.buffer()).arg(rows).arg(cols).arg(tokens), false);
            }
        } catch (CudaException e) {
            throw failed("matMul " + type + " [" + rows + " x " + cols + "], " + tokens + " tokens", e);
        }
    }

    private void matVec(CudaTensor o, CudaTensor w, CudaTensor x, int rows, int cols, int tokens) {
        GgmlType type = w.type();
        int grid = (rows + MV_ROWS_PER_BLOCK - 1) / MV_ROWS_PER_BLOCK;
        if (type == GgmlType.F32 || type == GgmlType.F16) {
            go(launch(Ptx.MATVEC, "mv_" + type.name()).grid(grid, tokens, 1).block(32 * MV_ROWS_PER_BLOCK)
                    .arg(w.buffer()).arg(x.buffer()).arg(o.buffer()).arg(rows).arg(cols), false);
            return;
        }
        long bytes = Workspace.q8xBytes(tokens, cols);
        if (quantized != x || quantizedTokens != tokens || quantizedCols != cols || q8x.sizeBytes() < bytes) {
            quantized = null;
        }
        DeviceBuffer q = q8x.atLeast(bytes);
        CUdeviceptr xq = q.pointer(), xd = q.at((long) tokens * cols);
        if (quantized == null) {
            int q8Blocks = tokens * cols / 32;
            go(launch(Ptx.MATVEC, "quantize_q8x").grid(blocks(q8Blocks, THREADS / 32)).block(THREADS)
                    .arg(x.buffer()).arg(xq).arg(xd).arg(cols).arg(tokens), false);
            quantized = x;
            quantizedTokens = tokens;
            quantizedCols = cols;
        }
        go(launch(Ptx.MATVEC, "mv_" + type.name()).grid(grid, tokens, 1).block(32 * MV_ROWS_PER_BLOCK)
                .arg(w.buffer()).arg(xq).arg(xd).arg(o.buffer()).arg(rows).arg(cols), false);
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
        } catch (CudaException e) {
            throw failed("rope " + batch.size() + " rows x " + heads + " heads x " + headLength, e);
        }
    }

    /** The rope's per-pair frequencies as floats on the device, uploaded when the rope changes. */
    private DeviceBuffer ropeFrequencies(Rope rope) {
        int pairs = rope.dimensions() / 2;
        DeviceBuffer buffer = ropeTable.atLeast(4L * pairs);
        if (rope != uploadedRope) {
            flush();
            float[] f = new float[pairs];
            for (int p = 0; p < pairs; p++) {
                f[p] = (float) rope.frequency(p);
            }
            CudaException.check(cuMemcpyHtoD(buffer.pointer(), Pointer.to(f), 4L * pairs), "upload rope frequencies");
            uploadedRope = rope;
        }
        return buffer;
    }

    @Override
    public void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch) {
        backend.bind();
        try {
            batchArrays.ensure(batch, kv.sequenceCapacity());
            int widest = Math.max(kv.keyWidth(), kv.valueWidth());
            go(launch(Ptx.OPS, "kv_store").grid(blocks(widest, THREADS), batch.size(), 1).block(THREADS)
                    .arg(tensor(k).buffer()).arg(tensor(v).buffer()).arg(tensor(kv.keys()).buffer()).arg(tensor(kv.values()).buffer())
                    .arg(batchArrays.kvStart()).arg(batchArrays.kvLen()).arg(kv.keyWidth()).arg(kv.valueWidth()), true);
        } catch (CudaException e) {
            throw failed("storeKv " + batch.size() + " rows, widths " + kv.keyWidth() + "/" + kv.valueWidth(), e);
        }
    }

    @Override
    public void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attn) {
        written(out);
        int rows = batch.size(), heads = attn.headCount(), headDim = attn.keyLength();
        if (attn.keyLength() != attn.valueLength() || headDim > MAX_HEAD_DIM || headDim % 2 != 0) {
            throw new BackendException("cuda attention: key/value length " + attn.keyLength() + "/" + attn.valueLength()
                    + " unsupported (equal, even, at most " + MAX_HEAD_DIM + ")");
        }
        backend.bind();
        try {
            batchArrays.ensure(batch, kv.sequenceCapacity());
            int nsplit = rows == 1 ? Workspace.splits(kv.sequenceCapacity()) : 1;
            int splitLen = (kv.sequenceCapacity() + nsplit - 1) / nsplit;
            DeviceBuffer parts = attnParts.atLeast(Workspace.attentionBytes(rows, heads, headDim, nsplit));
            long n = (long) rows * heads * nsplit;
            CUdeviceptr partM = parts.pointer(), partL = parts.at(4 * n), partO = parts.at(8 * n);
            go(launch(Ptx.ATTENTION, "attn_partial").grid(heads, nsplit, rows).block(ATTN_THREADS)
                    .arg(tensor(q).buffer()).arg(tensor(kv.keys()).buffer()).arg(tensor(kv.values()).buffer())
                    .arg(batchArrays.positions()).arg(batchArrays.kvStart()).arg(batchArrays.kvLen())
                    .arg(heads).arg(attn.headCountKv()).arg(headDim).arg(attn.scale()).arg(0f)
                    .arg(attn.temperatureScale()).arg(Math.max(1, attn.temperatureLength())).arg(splitLen)
                    .arg(partM).arg(partL).arg(partO), true);
            go(launch(Ptx.ATTENTION, "attn_combine").grid(heads, rows, 1).block(Math.min(THREADS, Math.max(32, headDim)))
                    .arg(partM).arg(partL).arg(partO).arg(tensor(out).buffer()).arg(heads).arg(headDim).arg(nsplit), false);
        } catch (CudaException e) {
            throw failed("attention " + rows + " rows, " + heads + "/" + attn.headCountKv() + " heads x " + headDim, e);
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
                CudaException.check(cuMemcpyDtoDAsync(d.buffer().at(4L * i * dim), s.buffer().at(4L * rows[i] * dim), 4L * dim,
                        backend.stream()), "cuMemcpyDtoDAsync row " + rows[i]);
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
        batchArrays.close();
        q8x.close();
        attnParts.close();
        gemmW.close();
        gemmX.close();
        ropeTable.close();
        gemm.close();
    }
}
