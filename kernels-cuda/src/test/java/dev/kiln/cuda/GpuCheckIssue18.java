package dev.kiln.cuda;

import dev.kiln.core.spi.BackendConfig;
import dev.kiln.cuda.reference.Blocks;
import dev.kiln.cuda.reference.F16Scales;
import dev.kiln.cuda.reference.LaneDot;
import dev.kiln.cuda.reference.Q8x;
import dev.kiln.cuda.reference.RandomBlocks;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static jcuda.driver.JCudaDriver.cuMemGetInfo;

/**
 * The GPU checks of issue 18, run by {@link GpuCheck} (and so by scripts/gpu-bundle.sh): the multi-column mat-vec
 * kernels and the GQA-shared attention against their Java references for 1, 2, 5, 8 and 16 rows, the per-token F16
 * scales of prefill with activations above 65504, every prefill path through CudaOps (cuBLAS in slices, tensor
 * cores, FP32 tiles), recovery after an out-of-memory error, a free on another thread, the multi-slot speed-up and the
 * driver's own memory.
 */
final class GpuCheckIssue18 {
    static final int[] ROWS = {1, 2, 5, 8, 16};
    private final GpuCheck check;
    private final CudaBackend backend;

    GpuCheckIssue18(GpuCheck check, CudaBackend backend) {
        this.check = check;
        this.backend = backend;
    }

    /** The kernel checks (part of the kernels-vs-references section). */
    void kernels(Random random) {
        multiColumnMatvec(random);
        attentionRows(random);
        f16Scales(random);
    }

    /** The backend-level checks, each on a backend of its own. */
    void paths(Random random) {
        prefillPaths(random);
        decodeThroughOps(random);
        outOfMemoryRecovery();
        freeOnAnotherThread();
    }

    // ---- mv_T_cN against LaneDot for 1, 2, 5, 8, 16 tokens

    void multiColumnMatvec(Random random) {
        int rows = 96, cols = 2048 + 256, maxTokens = 16;
        float[] x = RandomBlocks.floats(maxTokens * cols, random);
        Q8x[] ref = new Q8x[maxTokens];
        for (int t = 0; t < maxTokens; t++) {
            ref[t] = Q8x.of(Arrays.copyOfRange(x, t * cols, (t + 1) * cols));
        }
        try (DeviceBuffer xb = check.up(x, "x"); DeviceBuffer xq = DeviceBuffer.allocate(Workspace.q8xBytes(maxTokens, cols), "q8x");
             DeviceBuffer y = DeviceBuffer.allocate(4L * maxTokens * rows, "y")) {
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
                    GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.F32}) {
                boolean quantized = type.isQuantized();
                byte[] w = quantized ? RandomBlocks.of(type, rows, cols, random) : floats(type, rows * cols, random);
                int rowBytes = (int) type.byteSize(cols);
                try (DeviceBuffer wb = check.up(w, type + " weights")) {
                    for (int n : ROWS) {
                        int columns = CudaOps.matVecColumns(n);
                        String kernel = "mv_" + type + (columns == 1 ? "" : "_c" + columns);
                        Launch l = check.k(Ptx.MATVEC, kernel).grid(rows / 4, (n + columns - 1) / columns, 1).block(128).arg(wb);
                        if (quantized) {
                            check.k(Ptx.MATVEC, "quantize_q8x").grid(n * cols / 32 / 8 + 1).block(256).arg(xb).arg(xq.pointer())
                                    .arg(xq.at((long) n * cols)).arg(cols).arg(n).run(backend.stream());
                            l.arg(xq.pointer()).arg(xq.at((long) n * cols));
                        } else {
                            l.arg(xb);
                        }
                        l.arg(y).arg(rows).arg(cols).arg(n).run(backend.stream());
                        float[] got = check.down(y, n * rows);
                        double worst = 0;
                        for (int r = 0; r < rows; r++) {
                            float[] wr = Blocks.row(type, w, r * rowBytes, cols);
                            float[] want = quantized ? LaneDot.dots(type, w, r * rowBytes, cols, Arrays.copyOf(ref, n)) : null;
                            for (int t = 0; t < n; t++) {
                                double exact = 0, scale = 0;
                                float[] xt = quantized ? ref[t].dequantize() : Arrays.copyOfRange(x, t * cols, (t + 1) * cols);
                                for (int i = 0; i < cols; i++) {
                                    exact += (double) wr[i] * xt[i];
                                    scale += Math.abs((double) wr[i] * xt[i]);
                                }
                                double wantT = quantized ? want[t] : exact;
                                worst = Math.max(worst, Math.abs(got[t * rows + r] - wantT) / Math.max(scale, 1e-30));
                            }
                        }
                        double bound = quantized ? 1e-6 : 1e-5;
                        check.result(kernel + " " + n + " tokens vs " + (quantized ? "LaneDot.dots" : "double dot"), worst < bound,
                                "max error / sum|w x| = " + worst + " (bound " + bound + ")");
                    }
                }
            }
        }
    }

    private static byte[] floats(GgmlType type, int n, Random random) {
        byte[] b = new byte[(int) type.byteSize(n)];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = (float) random.nextGaussian() * 0.05f;
            if (type == GgmlType.F16) {
                bb.putShort(Float.floatToFloat16(v));
            } else {
                bb.putFloat(v);
            }
        }
        return b;
    }

    // ---- attn_partial (GQA groups, splits) + attn_combine against Attention.rows

    void attentionRows(Random random) {
        int headDim = 128, capacity = 700;
        for (int[] hk : new int[][] {{32, 8}, {24, 2}, {4, 4}}) {
            int heads = hk[0], kvHeads = hk[1], kvDim = kvHeads * headDim, chunks = (heads / kvHeads + CudaOps.GQA_MAX - 1) / CudaOps.GQA_MAX;
            for (int rows : ROWS) {
                float[] kf = RandomBlocks.floats(rows * capacity * kvDim, random), vf = RandomBlocks.floats(rows * capacity * kvDim, random);
                byte[] k16 = f16(kf), v16 = f16(vf);
                float[] q = RandomBlocks.floats(rows * heads * headDim, random);
                int[] pos = new int[rows], start = new int[rows], len = new int[rows];
                float[] scales = new float[rows];
                float scale = (float) (1 / Math.sqrt(headDim)), temp = 0.1f;
                for (int t = 0; t < rows; t++) {
                    start[t] = t * capacity;
                    len[t] = 1 + random.nextInt(capacity);
                    pos[t] = len[t] - 1 + 8192 * (t % 3);
                    scales[t] = scale * (float) (1 + temp * Math.log(1 + Math.floor(pos[t] / 8192.0)));
                }
                for (int nsplit : new int[] {1, Workspace.splits(capacity)}) {
                    int splitLen = (capacity + nsplit - 1) / nsplit;
                    long n = (long) rows * heads * nsplit;
                    try (DeviceBuffer kb = check.up(k16, "k"); DeviceBuffer vb = check.up(v16, "v"); DeviceBuffer qb = check.up(q, "q");
                         DeviceBuffer pb = check.up(pos, "pos"); DeviceBuffer sb = check.up(start, "start"); DeviceBuffer lb = check.up(len, "len");
                         DeviceBuffer parts = DeviceBuffer.allocate(Workspace.attentionBytes(rows, heads, headDim, nsplit), "parts");
                         DeviceBuffer out = DeviceBuffer.allocate(4L * rows * heads * headDim, "out")) {
                        check.k(Ptx.ATTENTION, "attn_partial").grid(rows, nsplit, kvHeads * chunks).block(128).arg(qb).arg(kb).arg(vb)
                                .arg(pb).arg(sb).arg(lb).arg(heads).arg(kvHeads).arg(headDim).arg(scale).arg(0f).arg(temp).arg(8192)
                                .arg(splitLen).arg(parts.pointer()).arg(parts.at(4 * n)).arg(parts.at(8 * n)).run(backend.stream());
                        check.k(Ptx.ATTENTION, "attn_combine").grid(rows * heads).block(128).arg(parts.pointer()).arg(parts.at(4 * n))
                                .arg(parts.at(8 * n)).arg(out).arg(heads).arg(headDim).arg(nsplit).run(backend.stream());
                        float[] got = check.down(out, rows * heads * headDim);
                        float[] want = dev.kiln.cuda.reference.Attention.rows(q, half(kf), half(vf), start, len, heads, kvHeads, headDim,
                                scales, 0f, nsplit, splitLen);
                        double d = GpuCheck.maxAbs(got, want, want.length);
                        check.result(String.format("attention %d/%d heads, %d rows, %d splits vs Attention.rows", heads, kvHeads, rows, nsplit),
                                d < 1e-4, "max abs diff " + d);
                    }
                }
            }
        }
    }

    private static byte[] f16(float[] f) {
        byte[] b = new byte[2 * f.length];
        for (int i = 0; i < f.length; i++) {
            short h = Float.floatToFloat16(f[i]);
            b[2 * i] = (byte) h;
            b[2 * i + 1] = (byte) (h >> 8);
        }
        return b;
    }

    private static float[] half(float[] f) {
        float[] h = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            h[i] = Float.float16ToFloat(Float.floatToFloat16(f[i]));
        }
        return h;
    }

    // ---- f16_scales, f32_to_f16_scaled, mmw with scales, on activations above 65504

    void f16Scales(Random random) {
        int rows = 96, cols = 2304, tokens = 70;
        float[] x = outliers(RandomBlocks.floats(tokens * cols, random), cols, tokens, random);
        float[] want = F16Scales.of(x, cols, tokens);
        GgmlType type = GgmlType.Q4_K;
        byte[] w = RandomBlocks.of(type, rows, cols, random);
        try (DeviceBuffer xb = check.up(x, "x"); DeviceBuffer s = DeviceBuffer.allocate(4L * tokens, "scales");
             DeviceBuffer x16 = DeviceBuffer.allocate(2L * tokens * cols, "x16"); DeviceBuffer wb = check.up(w, "w");
             DeviceBuffer y = DeviceBuffer.allocate(4L * tokens * rows, "y")) {
            check.k(Ptx.OPS, "f16_scales").grid(tokens).block(256).arg(xb).arg(s).arg(cols).run(backend.stream());
            float[] got = check.down(s, tokens);
            check.result("f16_scales (rows above 65504)", Arrays.equals(got, want), "got " + Arrays.toString(Arrays.copyOf(got, 6))
                    + ", want " + Arrays.toString(Arrays.copyOf(want, 6)));
            check.k(Ptx.OPS, "f32_to_f16_scaled").grid(256).block(256).arg(xb).arg(s).arg(x16).arg(cols).arg(tokens).run(backend.stream());
            byte[] h = check.downBytes(x16, 2 * tokens * cols);
            int bad = 0;
            for (int i = 0; i < tokens * cols; i++) {
                short v = (short) ((h[2 * i] & 0xFF) | h[2 * i + 1] << 8);
                bad += v != Float.floatToFloat16(x[i] / want[i / cols]) ? 1 : 0;
            }
            check.result("f32_to_f16_scaled", bad == 0, bad + " halves differ");
            float[] wf = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(Blocks.row(type, w, r * (int) type.byteSize(cols), cols), 0, wf, r * cols, cols);
            }
            float[] ref = F16Scales.product(wf, rows, x, cols, tokens, true);
            check.k(Ptx.MATMUL, "mmw_" + type).grid((rows + 63) / 64, (tokens + 63) / 64, 1).block(128).arg(wb).arg(xb).arg(s).arg(y)
                    .arg(rows).arg(cols).arg(tokens).run(backend.stream());
            float[] yy = check.down(y, tokens * rows);
            double worst = relative(yy, ref, wf, x, rows, cols, tokens);
            boolean finite = true;
            for (float v : yy) {
                finite &= Float.isFinite(v);
            }
            check.result("mmw_Q4_K with F16 scales, activations up to 1e6", finite && worst < 2e-3,
                    "finite " + finite + ", max error / sum|w x| = " + worst);
        }
    }

    /** Puts one value above F16's range into every third token's row. */
    static float[] outliers(float[] x, int cols, int tokens, Random random) {
        for (int t = 0; t < tokens; t += 3) {
            x[t * cols + random.nextInt(cols)] = (random.nextBoolean() ? 1 : -1) * (7e4f + random.nextFloat() * 1e6f);
        }
        return x;
    }

    private static double relative(float[] got, float[] want, float[] w, float[] x, int rows, int cols, int tokens) {
        double worst = 0;
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    magnitude += Math.abs((double) w[r * cols + i] * x[t * cols + i]);
                }
                worst = Math.max(worst, Math.abs(got[t * rows + r] - want[t * rows + r]) / Math.max(magnitude, 1e-30));
            }
        }
        return worst;
    }

    // ---- CudaOps.matMul on the GPU: every prefill path, with outliers, cuBLAS in slices

    void prefillPaths(Random random) {
        int rows = 640, cols = 2304, tokens = 70;
        GgmlType type = GgmlType.Q6_K;
        byte[] w = RandomBlocks.of(type, rows, cols, random);
        float[] x = outliers(RandomBlocks.floats(tokens * cols, random), cols, tokens, random);
        float[] wf = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(Blocks.row(type, w, r * (int) type.byteSize(cols), cols), 0, wf, r * cols, cols);
        }
        double[] exact = new double[tokens * rows];
        float[] exactF = new float[tokens * rows];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < cols; i++) {
                    exact[t * rows + r] += (double) wf[r * cols + i] * x[t * cols + i];
                }
                exactF[t * rows + r] = (float) exact[t * rows + r];
            }
        }
        for (String prefill : new String[] {"cublas", "wmma", "tiles"}) {
            try (CudaBackend b = CudaBackend.open(BackendConfig.of(1).with(CudaBackendProvider.PREFILL, prefill))) {
                if (prefill.equals("cublas") && !((CudaOps) b.ops()).gemm().isCublas()) {
                    check.skip("prefill through CudaOps, cublas", ((CudaOps) b.ops()).gemm().describe());
                    continue;
                }
                CudaOps ops = (CudaOps) b.ops();
                ops.gemmChunkBytes(2L * 256 * cols);   // three slices of 256, 256 and 128 rows
                CudaTensor wt = tensor(b, w, type, rows, cols), xt = (CudaTensor) b.allocate((long) tokens * cols),
                        yt = (CudaTensor) b.allocate((long) tokens * rows);
                b.fromHost(x, xt, x.length);
                ops.matMul(yt, wt, xt, tokens);
                float[] got = new float[tokens * rows];
                b.toHost(yt, got, 0, got.length);
                double worst = relative(got, exactF, wf, x, rows, cols, tokens);
                boolean finite = true;
                for (float v : got) {
                    finite &= Float.isFinite(v);
                }
                double bound = prefill.equals("tiles") ? 1e-5 : 2e-3;
                check.result("prefill through CudaOps, " + ops.gemm().describe() + ", activations up to 1e6", finite && worst < bound,
                        "finite " + finite + ", max error / sum|w x| = " + worst + " (bound " + bound + ")");
            } catch (RuntimeException e) {
                check.result("prefill through CudaOps, " + prefill, false, e.toString());
            }
        }
    }

    static CudaTensor tensor(CudaBackend b, byte[] w, GgmlType type, int rows, int cols) {
        var info = new dev.kiln.gguf.TensorInfo("w", new long[] {cols, rows}, type, 0);
        return (CudaTensor) b.upload(new dev.kiln.gguf.TensorData(info, MemorySegment.ofArray(w)));
    }

    // ---- CudaOps decode (q8x + mv_T_cN) and attention with several rows

    void decodeThroughOps(Random random) {
        int rows = 256, cols = 1024;
        GgmlType type = GgmlType.Q4_K;
        byte[] w = RandomBlocks.of(type, rows, cols, random);
        try (CudaBackend b = CudaBackend.open(BackendConfig.of(1))) {
            CudaOps ops = (CudaOps) b.ops();
            CudaTensor wt = tensor(b, w, type, rows, cols), xt = (CudaTensor) b.allocate(16L * cols), yt = (CudaTensor) b.allocate(16L * rows);
            for (int n : ROWS) {
                float[] x = RandomBlocks.floats(n * cols, random);
                b.fromHost(x, xt, x.length);
                ops.matMul(yt, wt, xt, n);
                float[] got = new float[n * rows];
                b.toHost(yt, got, 0, got.length);
                Q8x[] q = new Q8x[n];
                for (int t = 0; t < n; t++) {
                    q[t] = Q8x.of(Arrays.copyOfRange(x, t * cols, (t + 1) * cols));
                }
                double worst = 0;
                for (int r = 0; r < rows; r++) {
                    float[] want = LaneDot.dots(type, w, r * (int) type.byteSize(cols), cols, q);
                    for (int t = 0; t < n; t++) {
                        worst = Math.max(worst, Math.abs(got[t * rows + r] - want[t]) / (Math.abs(want[t]) + 1e-2));
                    }
                }
                check.result("decode matMul through CudaOps, " + n + " rows", worst < 1e-4, "max rel error " + worst);
            }
        } catch (RuntimeException e) {
            check.result("decode matMul through CudaOps", false, e.toString());
        }
    }

    // ---- an out-of-memory error leaves the backend usable

    void outOfMemoryRecovery() {
        try (CudaBackend b = CudaBackend.open(BackendConfig.of(1))) {
            long free = b.freeMemoryBytes();
            Scratch s = new Scratch(b.context(), "oom check", () -> { });
            DeviceBuffer first = s.atLeast(1 << 20);
            boolean oom = false;
            try {
                s.atLeast(free + (4L << 30));
            } catch (CudaException e) {
                oom = e.result() == jcuda.driver.CUresult.CUDA_ERROR_OUT_OF_MEMORY;
            }
            DeviceBuffer again = s.atLeast(1 << 20);
            float[] data = new float[1 << 18];
            Arrays.fill(data, 3f);
            again.upload(data, data.length);
            float[] back = new float[data.length];
            again.download(back, back.length);
            check.result("out of memory in a scratch, then the old size again", oom && first.isClosed() && !again.isClosed()
                    && Arrays.equals(data, back), "oom " + oom + ", old freed " + first.isClosed() + ", round trip " + Arrays.equals(data, back));
            s.close();
        } catch (RuntimeException e) {
            check.result("out of memory recovery", false, e.toString());
        }
    }

    // ---- a free on a thread that never bound the context returns the memory

    void freeOnAnotherThread() {
        try (CudaBackend b = CudaBackend.open(BackendConfig.of(1))) {
            var t = b.allocate(64L << 20);   // 256 MiB
            long before = b.freeMemoryBytes();
            Thread thread = new Thread(t::close);
            thread.start();
            thread.join();
            long after = b.freeMemoryBytes();
            check.result("KV-cache-like buffer freed on another thread", after - before >= (250L << 20),
                    String.format("free memory %d -> %d MiB", before >> 20, after >> 20));
        } catch (RuntimeException | InterruptedException e) {
            check.result("free on another thread", false, e.toString());
        }
    }

    // ---- speed: 8 tokens in one multi-column launch against one token; the driver's own memory

    void multiSlotSpeed(java.util.function.BiFunction<Runnable, Integer, Float> time) {
        int rows = 14336, cols = 4096;
        float[] x = RandomBlocks.floats(16 * cols, new Random(3));
        try (DeviceBuffer xb = check.up(x, "x"); DeviceBuffer xq = DeviceBuffer.allocate(Workspace.q8xBytes(16, cols), "q8x");
             DeviceBuffer y = DeviceBuffer.allocate(4L * 16 * rows, "y")) {
            check.k(Ptx.MATVEC, "quantize_q8x").grid(16 * cols / 32 / 8).block(256).arg(xb).arg(xq.pointer()).arg(xq.at(16L * cols))
                    .arg(cols).arg(16).run(backend.stream());
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q2_K}) {
                try (DeviceBuffer w = DeviceBuffer.allocate(type.byteSize((long) rows * cols), type + " weights")) {
                    float one = 0, eight = 0, sixteen = 0;
                    for (int n : new int[] {1, 8, 16}) {
                        int c = CudaOps.matVecColumns(n);
                        Launch l = check.k(Ptx.MATVEC, "mv_" + type + (c == 1 ? "" : "_c" + c)).grid(rows / 4, 1, 1).block(128).arg(w)
                                .arg(xq.pointer()).arg(xq.at((long) n * cols)).arg(y).arg(rows).arg(cols).arg(n);
                        float ms = time.apply(() -> l.run(backend.stream()), 20);
                        if (n == 1) {
                            one = ms;
                        } else if (n == 8) {
                            eight = ms;
                        } else {
                            sixteen = ms;
                        }
                    }
                    String line = String.format("mv_%s [%d x %d]: 1 token %.1f us, 8 tokens %.1f us (%.2fx), 16 tokens %.1f us (%.2fx)",
                            type, rows, cols, one * 1e3, eight * 1e3, eight / one, sixteen * 1e3, sixteen / one);
                    check.result("multi-slot mat-vec " + type + ": 8 tokens within 3x one token (8x without sharing)", eight <= 3 * one, line);
                }
            }
        }
    }

    static void driverMemory(CudaBackend b) {
        long[] free = {0}, total = {0};
        cuMemGetInfo(free, total);
        System.out.printf("INFO device memory in use right after opening the backend (context, modules, cuBLAS, other processes): %d MiB;"
                + " the estimate assumes %d MiB for the context%n", (total[0] - free[0]) >> 20, CudaBackend.CONTEXT_BYTES >> 20);
    }

}
