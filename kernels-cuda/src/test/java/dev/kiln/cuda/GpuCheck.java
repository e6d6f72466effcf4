package dev.kiln.cuda;

import dev.kiln.core.graph.DeviceBudget;
import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendProvider;
import dev.kiln.core.spi.Batch;
import dev.kiln.cuda.reference.Attention;
import dev.kiln.cuda.reference.Blocks;
import dev.kiln.cuda.reference.LaneDot;
import dev.kiln.cuda.reference.Q8x;
import dev.kiln.cuda.reference.RandomBlocks;
import dev.kiln.cuda.reference.Rope;
import dev.kiln.gguf.GgmlType;
import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUevent;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static jcuda.driver.JCudaDriver.*;

/**
 * The checks that need a GPU, runnable without Maven or JUnit (the GPU machine has no Java: scripts/gpu-bundle.sh
 * carries a jlink runtime and these classes). Sections: device facts; every kernel against its Java reference on the
 * same bytes; device-to-device copy bandwidth against decode mat-vec bandwidth per type; logits of the CUDA backend
 * against the CPU backend and llama.cpp's reference on every synthetic test file at -ngl 0, 1, blocks/2, blocks,
 * blocks+1, in batch (prefill) and token-by-token (decode). Prints one line per check and "N passed, N failed".
 *
 * <p>Usage: GpuCheck [testdata-dir] (default ../shared/testdata or $KILN_TESTDATA).
 */
public final class GpuCheck {
    private int passed, failed, skipped;
    private final List<String> failures = new ArrayList<>();
    private CudaBackend backend;
    private boolean cpuOnly;

    public static void main(String[] args) throws Exception {
        Locale.setDefault(Locale.ROOT);
        Path data = Path.of(args.length > 0 ? args[0] : System.getenv().getOrDefault("KILN_TESTDATA", "../shared/testdata"));
        GpuCheck check = new GpuCheck();
        check.run(data);
        System.out.println();
        for (String f : check.failures) {
            System.out.println("FAILED: " + f);
        }
        System.out.println("gpu-check: " + check.passed + " passed, " + check.failed + " failed, " + check.skipped + " skipped");
        System.exit(check.failed == 0 ? 0 : 1);
    }

    void result(String name, boolean ok, String detail) {
        System.out.println((ok ? "PASS " : "FAIL ") + name + (detail.isEmpty() ? "" : ": " + detail));
        if (ok) {
            passed++;
        } else {
            failed++;
            failures.add(name + ": " + detail);
        }
    }

    void skip(String name, String why) {
        System.out.println("SKIP " + name + ": " + why);
        skipped++;
    }

    void run(Path data) throws Exception {
        section("device");
        CudaProbe probe = CudaProbe.get();
        System.out.println("probe: " + probe);
        if (!probe.available()) {
            result("probe", false, probe.description());
            if (System.getenv("KILN_GPU_CHECK_CPU_ONLY") != null) {   // dry run of the harness on a machine without a GPU
                section("logits (cpu only, -ngl 0)");
                cpuOnly = true;
                logits(data.resolve("synthetic"));
                section("synth (cpu only)");
                synthLogits();
            }
            return;
        }
        backend = CudaBackend.open(BackendConfig.of(1));
        System.out.println("backend: " + backend.description());
        GpuCheckIssue18.driverMemory(backend);
        CUdevice dev = new CUdevice();
        cuDeviceGet(dev, 0);
        int[] major = {0}, minor = {0}, sms = {0}, clock = {0}, busWidth = {0};
        cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
        cuDeviceGetAttribute(sms, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, dev);
        cuDeviceGetAttribute(clock, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, dev);
        cuDeviceGetAttribute(busWidth, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH, dev);
        long[] free = {0}, total = {0};
        cuMemGetInfo(free, total);
        System.out.printf("sm_%d%d, %d SMs, memory %.1f GiB (%.1f free), bus %d bit, mem clock %d MHz, theoretical %.0f GB/s%n",
                major[0], minor[0], sms[0], total[0] / 1073741824.0, free[0] / 1073741824.0, busWidth[0], clock[0] / 1000,
                2.0 * clock[0] * 1e3 * busWidth[0] / 8 / 1e9);
        try {
            section("kernels vs Java references");
            kernels();
            section("bandwidth");
            bandwidth();
            new GpuCheckIssue18(this, backend).multiSlotSpeed(this::time);
        } finally {
            backend.close();
        }
        section("CudaOps paths: prefill (cuBLAS slices, tensor cores, tiles), decode rows, out of memory, frees");
        new GpuCheckIssue18(this, null).paths(new Random(18));
        section("logits: cuda vs cpu vs llama.cpp");
        logits(data.resolve("synthetic"));
        section("logits: cuda vs cpu on small synthesized models (every mix)");
        synthLogits();
        section("decode and prefill throughput on synthetic models");
        bench(System.getenv().getOrDefault("KILN_GPU_BENCH", "mistral-7b-v0.3:Q4_K_M:all,qwen3-8b:Q4_K_M:all"));
    }

    /** Only the kernel-vs-reference section (for the gpu-tagged JUnit test); returns the failures. */
    List<String> kernelsOnly() {
        backend = CudaBackend.open(BackendConfig.of(1));
        try {
            kernels();
        } finally {
            backend.close();
        }
        return failures;
    }

    static void section(String name) {
        System.out.println();
        System.out.println("== " + name);
    }

    // ---------------------------------------------------------------------------------------------------------
    // kernels

    DeviceBuffer up(byte[] b, String what) {
        DeviceBuffer d = DeviceBuffer.allocate(b.length, what);
        d.upload(MemorySegment.ofArray(b));
        return d;
    }

    DeviceBuffer up(float[] f, String what) {
        DeviceBuffer d = DeviceBuffer.allocate(4L * f.length, what);
        d.upload(f, f.length);
        return d;
    }

    DeviceBuffer up(int[] v, String what) {
        DeviceBuffer d = DeviceBuffer.allocate(4L * v.length, what);
        cuMemcpyHtoD(d.pointer(), Pointer.to(v), 4L * v.length);
        return d;
    }

    float[] down(DeviceBuffer d, int n) {
        backend.synchronize();
        float[] f = new float[n];
        d.download(f, n);
        return f;
    }

    byte[] downBytes(DeviceBuffer d, int n) {
        backend.synchronize();
        byte[] b = new byte[n];
        cuMemcpyDtoH(Pointer.to(b), d.pointer(), n);
        return b;
    }

    Launch k(Ptx ptx, String name) {
        return backend.module(ptx).launch(name);
    }

    static double maxRel(float[] got, double[] want, double[] scale) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(scale[i], 1e-30));
        }
        return worst;
    }

    static double maxAbs(float[] a, float[] b, int n) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    void kernels() {
        Random random = new Random(1);
        int rows = 96, cols = 2048 + 256, tokens = 3;   // odd super-block count: the two-block warp step of Q2_K/Q3_K
        float[] x = RandomBlocks.floats(tokens * cols, random);
        try (DeviceBuffer xBuf = up(x, "x"); DeviceBuffer xq = DeviceBuffer.allocate(Workspace.q8xBytes(tokens, cols), "q8x");
             DeviceBuffer y = DeviceBuffer.allocate(4L * tokens * Math.max(rows * 3, 4096), "y")) {
            // q8x quantization: exact against the Java reference
            k(Ptx.MATVEC, "quantize_q8x").grid(tokens * cols / 32 / 8 + 1).block(256).arg(xBuf).arg(xq.pointer())
                    .arg(xq.at((long) tokens * cols)).arg(cols).arg(tokens).run(backend.stream());
            byte[] gotQ = downBytes(xq, tokens * cols);
            float[] gotD = new float[tokens * cols / 32];
            cuMemcpyDtoH(Pointer.to(gotD), xq.at((long) tokens * cols), 4L * gotD.length);
            Q8x[] ref = new Q8x[tokens];
            int qDiff = 0;
            double dDiff = 0;
            for (int t = 0; t < tokens; t++) {
                ref[t] = Q8x.of(java.util.Arrays.copyOfRange(x, t * cols, (t + 1) * cols));
                for (int i = 0; i < cols; i++) {
                    qDiff += gotQ[t * cols + i] != ref[t].q()[i] ? 1 : 0;
                }
                for (int b = 0; b < cols / 32; b++) {
                    dDiff = Math.max(dDiff, Math.abs(gotD[t * cols / 32 + b] - ref[t].d()[b]));
                }
            }
            result("quantize_q8x", qDiff == 0 && dDiff == 0, qDiff + " int8 differ, max scale diff " + dDiff);

            for (GgmlType type : new GgmlType[] {GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K,
                    GgmlType.Q5_K, GgmlType.Q6_K}) {
                matvecKernels(type, rows, cols, tokens, x, ref, xBuf, xq, y, random);
            }
            for (GgmlType type : new GgmlType[] {GgmlType.F16, GgmlType.F32}) {
                floatMatvec(type, rows, cols, tokens, x, xBuf, y, random);
            }
        }
        elementwise(random);
        ropeKernel(random);
        attentionKernels(random);
        new GpuCheckIssue18(this, backend).kernels(random);
    }

    private byte[] floatWeights(GgmlType type, int rows, int cols, Random random) {
        float[] w = RandomBlocks.floats(rows * cols, random);
        byte[] b = new byte[(int) type.byteSize((long) rows * cols)];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : w) {
            if (type == GgmlType.F16) {
                bb.putShort(Float.floatToFloat16(v * 0.05f));
            } else {
                bb.putFloat(v * 0.05f);
            }
        }
        return b;
    }

    private void floatMatvec(GgmlType type, int rows, int cols, int tokens, float[] x, DeviceBuffer xBuf, DeviceBuffer y, Random random) {
        byte[] w = floatWeights(type, rows, cols, random);
        int rowBytes = (int) type.byteSize(cols);
        try (DeviceBuffer wBuf = up(w, type + " weights")) {
            k(Ptx.MATVEC, "mv_" + type).grid(rows / 4, tokens, 1).block(128).arg(wBuf).arg(xBuf).arg(y).arg(rows).arg(cols)
                    .arg(tokens).run(backend.stream());
            float[] got = down(y, tokens * rows);
            double[] want = new double[tokens * rows], scale = new double[tokens * rows];
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    float[] wr = Blocks.row(type, w, r * rowBytes, cols);
                    for (int i = 0; i < cols; i++) {
                        want[t * rows + r] += (double) wr[i] * x[t * cols + i];
                        scale[t * rows + r] += Math.abs((double) wr[i] * x[t * cols + i]);
                    }
                }
            }
            double err = maxRel(got, want, scale);
            result("mv_" + type, err < 1e-5, "max error / sum|w x| = " + err);
            mm(type, wBuf, w, rows, cols, random);
        }
    }

    private void matvecKernels(GgmlType type, int rows, int cols, int tokens, float[] x, Q8x[] ref, DeviceBuffer xBuf, DeviceBuffer xq,
                               DeviceBuffer y, Random random) {
        byte[] w = RandomBlocks.of(type, rows * 3, cols, random);
        int rowBytes = (int) type.byteSize(cols);
        try (DeviceBuffer wBuf = up(w, type + " weights")) {
            k(Ptx.MATVEC, "mv_" + type).grid(rows / 4, tokens, 1).block(128).arg(wBuf).arg(xq.pointer())
                    .arg(xq.at((long) tokens * cols)).arg(y).arg(rows).arg(cols).arg(tokens).run(backend.stream());
            float[] got = down(y, tokens * rows);
            double[] want = new double[tokens * rows], scale = new double[tokens * rows];
            float[][] lane = new float[tokens][3 * rows];
            for (int t = 0; t < tokens; t++) {
                float[] xf = ref[t].dequantize();
                for (int r = 0; r < 3 * rows; r++) {
                    lane[t][r] = LaneDot.dot(type, w, r * rowBytes, cols, ref[t]);
                    if (r < rows) {
                        want[t * rows + r] = lane[t][r];
                        float[] wr = Blocks.row(type, w, r * rowBytes, cols);
                        for (int i = 0; i < cols; i++) {
                            scale[t * rows + r] += Math.abs((double) wr[i] * xf[i]);
                        }
                    }
                }
            }
            double err = maxRel(got, want, scale);
            result("mv_" + type + " vs LaneDot", err < 1e-6, "max error / sum|w x| = " + err);

            // mv3: three matrices sharing x (token 0)
            k(Ptx.MATVEC, "mv3_" + type).grid(3 * rows / 4).block(128).arg(wBuf).arg(wBuf.at((long) rows * rowBytes))
                    .arg(wBuf.at(2L * rows * rowBytes)).arg(rows).arg(rows).arg(rows).arg(xq.pointer())
                    .arg(xq.at((long) tokens * cols)).arg(y).arg(cols).run(backend.stream());
            float[] got3 = down(y, 3 * rows);
            double err3 = 0;
            for (int r = 0; r < 3 * rows; r++) {
                err3 = Math.max(err3, Math.abs(got3[r] - lane[0][r]) / (Math.abs(lane[0][r]) + 1e-3));
            }
            result("mv3_" + type, err3 < 1e-4, "max rel error " + err3);

            // mvglu: silu(gate) * up with gate = rows 0.., up = rows rows..
            k(Ptx.MATVEC, "mvglu_" + type).grid(rows / 4, tokens, 1).block(128).arg(wBuf).arg(wBuf.at((long) rows * rowBytes))
                    .arg(xq.pointer()).arg(xq.at((long) tokens * cols)).arg(y).arg(rows).arg(cols).run(backend.stream());
            float[] glu = down(y, tokens * rows);
            double errGlu = 0;
            for (int t = 0; t < tokens; t++) {
                for (int r = 0; r < rows; r++) {
                    double g = lane[t][r], u = lane[t][rows + r], want1 = g / (1 + Math.exp(-g)) * u;
                    errGlu = Math.max(errGlu, Math.abs(glu[t * rows + r] - want1) / (Math.abs(want1) + 1e-3));
                }
            }
            result("mvglu_" + type, errGlu < 1e-4, "max rel error " + errGlu);

            // dequant_f16 and embed: exact (f16 rounding of the same float)
            try (DeviceBuffer h = DeviceBuffer.allocate(2L * rows * cols, "f16"); DeviceBuffer ids = up(new int[] {5, 0, rows - 1}, "ids")) {
                k(Ptx.MATMUL, "dequant_f16_" + type).grid(256).block(256).arg(wBuf).arg(h).arg(rows).arg(cols).run(backend.stream());
                byte[] hb = downBytes(h, 2 * rows * cols);
                int bad = 0;
                for (int r = 0; r < rows; r++) {
                    float[] wr = Blocks.row(type, w, r * rowBytes, cols);
                    for (int i = 0; i < cols; i++) {
                        int at = 2 * (r * cols + i);
                        short s = (short) ((hb[at] & 0xFF) | hb[at + 1] << 8);
                        bad += s != Float.floatToFloat16(wr[i]) ? 1 : 0;
                    }
                }
                result("dequant_f16_" + type, bad == 0, bad + " of " + rows * cols + " differ from Blocks.weight");
                k(Ptx.MATMUL, "embed_" + type).grid(3, (cols + 255) / 256, 1).block(256).arg(wBuf).arg(ids).arg(y).arg(cols)
                        .run(backend.stream());
                float[] e = down(y, 3 * cols);
                double embErr = 0;
                int[] which = {5, 0, rows - 1};
                for (int j = 0; j < 3; j++) {
                    float[] wr = Blocks.row(type, w, which[j] * rowBytes, cols);
                    for (int i = 0; i < cols; i++) {
                        embErr = Math.max(embErr, Math.abs(e[j * cols + i] - wr[i]));
                    }
                }
                result("embed_" + type, embErr <= 1e-6, "max abs diff " + embErr);
            }
            mm(type, wBuf, w, rows, cols, random);
        }
    }

    /**
     * Prefill kernels, 70 tokens (two partial token tiles) against dequantize-then-dot in double: the FP32 tiles mm_*
     * within float rounding, the tensor-core mmw_* within F16 rounding of both operands (2^-11 relative each).
     */
    private void mm(GgmlType type, DeviceBuffer wBuf, byte[] w, int rows, int cols, Random random) {
        int tokens = 70, rowBytes = (int) type.byteSize(cols);
        float[] x = RandomBlocks.floats(tokens * cols, random);
        double[] want = new double[tokens * rows], scale = new double[tokens * rows];
        for (int r = 0; r < rows; r++) {
            float[] wr = Blocks.row(type, w, r * rowBytes, cols);
            for (int t = 0; t < tokens; t++) {
                for (int i = 0; i < cols; i++) {
                    want[t * rows + r] += (double) wr[i] * x[t * cols + i];
                    scale[t * rows + r] += Math.abs((double) wr[i] * x[t * cols + i]);
                }
            }
        }
        try (DeviceBuffer xb = up(x, "mm x"); DeviceBuffer y = DeviceBuffer.allocate(4L * tokens * rows, "mm y")) {
            for (String family : new String[] {"mm_", "mmw_"}) {
                cuMemsetD8(y.pointer(), (byte) 0x7f, 4L * tokens * rows);   // garbage, so unwritten outputs show
                Launch l = k(Ptx.MATMUL, family + type).grid((rows + 63) / 64, (tokens + 63) / 64, 1).block(family.equals("mm_") ? 256 : 128)
                        .arg(wBuf).arg(xb);
                if (family.equals("mmw_")) {
                    l.arg((jcuda.driver.CUdeviceptr) null);   // no scales
                }
                l.arg(y).arg(rows).arg(cols).arg(tokens).run(backend.stream());
                float[] got = down(y, tokens * rows);
                double err = maxRel(got, want, scale), bound = family.equals("mm_") ? 1e-5 : 2e-3;
                result(family + type, err < bound, "max error / sum|w x| = " + err + " (bound " + bound + ")");
            }
        }
    }

    private void elementwise(Random random) {
        int rows = 5, dim = 4096;
        float[] x = RandomBlocks.floats(rows * dim, random), wgt = RandomBlocks.floats(dim, random), u = RandomBlocks.floats(rows * dim, random);
        try (DeviceBuffer xb = up(x, "x"); DeviceBuffer wb = up(wgt, "w"); DeviceBuffer ub = up(u, "u");
             DeviceBuffer out = DeviceBuffer.allocate(4L * rows * dim, "out"); DeviceBuffer q = DeviceBuffer.allocate(Workspace.q8xBytes(rows, dim), "q")) {
            k(Ptx.OPS, "rmsnorm").grid(rows).block(256).arg(xb).arg(wb).arg(out).arg(dim).arg(1e-5f).run(backend.stream());
            float[] got = down(out, rows * dim), want = new float[rows * dim];
            for (int r = 0; r < rows; r++) {
                double ss = 0;
                for (int i = 0; i < dim; i++) {
                    ss += (double) x[r * dim + i] * x[r * dim + i];
                }
                double inv = 1 / Math.sqrt(ss / dim + 1e-5);
                for (int i = 0; i < dim; i++) {
                    want[r * dim + i] = (float) (x[r * dim + i] * inv * wgt[i]);
                }
            }
            result("rmsnorm", maxAbs(got, want, rows * dim) < 1e-4, "max abs diff " + maxAbs(got, want, rows * dim));
            k(Ptx.OPS, "rmsnorm_q8x").grid(rows).block(256).arg(xb).arg(wb).arg(q.pointer()).arg(q.at((long) rows * dim)).arg(dim).arg(1e-5f)
                    .run(backend.stream());
            byte[] gq = downBytes(q, rows * dim);
            int off = 0;
            for (int r = 0; r < rows; r++) {
                Q8x ref = Q8x.of(java.util.Arrays.copyOfRange(want, r * dim, (r + 1) * dim));
                for (int i = 0; i < dim; i++) {
                    off = Math.max(off, Math.abs(gq[r * dim + i] - ref.q()[i]));
                }
            }
            result("rmsnorm_q8x", off <= 1, "max int8 difference " + off + " (1 allowed: float rounding of the norm)");
            k(Ptx.OPS, "swiglu").grid(64).block(256).arg(xb).arg(ub).arg((long) rows * dim).run(backend.stream());
            float[] sw = down(xb, rows * dim);
            for (int i = 0; i < rows * dim; i++) {
                want[i] = (float) (x[i] / (1 + Math.exp(-x[i])) * u[i]);
            }
            result("swiglu", maxAbs(sw, want, rows * dim) < 1e-5, "max abs diff " + maxAbs(sw, want, rows * dim));
            k(Ptx.OPS, "add").grid(64).block(256).arg(xb).arg(ub).arg((long) rows * dim).run(backend.stream());
            float[] ad = down(xb, rows * dim);
            for (int i = 0; i < rows * dim; i++) {
                want[i] = sw[i] + u[i];
            }
            result("add", maxAbs(ad, want, rows * dim) == 0, "max abs diff " + maxAbs(ad, want, rows * dim));
            k(Ptx.OPS, "add_bias").grid(64).block(256).arg(xb).arg(wb).arg(rows).arg(dim).run(backend.stream());
            float[] bi = down(xb, rows * dim);
            for (int i = 0; i < rows * dim; i++) {
                want[i] = ad[i] + wgt[i % dim];
            }
            result("add_bias", maxAbs(bi, want, rows * dim) == 0, "max abs diff " + maxAbs(bi, want, rows * dim));
        }
    }

    private void ropeKernel(Random random) {
        int rows = 4, heads = 8, headDim = 128;
        int[] pos = {0, 7, 1000, 8160};
        float[] dims = Rope.corrDims(headDim, 8192, 1e8f, 32f, 1f);
        for (Rope rope : new Rope[] {Rope.plain(headDim, false, 1e6f), Rope.plain(96, true, 1e4f),
                new Rope(headDim, false, 1e8f, 1 / 48f, 1f, 1f, dims[0], dims[1], null)}) {
            float[] x = RandomBlocks.floats(rows * heads * headDim, random);
            float[] freqs = rope.frequencies();
            try (DeviceBuffer xb = up(x, "x"); DeviceBuffer pb = up(pos, "pos"); DeviceBuffer fb = up(freqs, "freqs")) {
                k(Ptx.OPS, "rope").grid(rows, heads, 1).block(64).arg(xb).arg(pb).arg(heads).arg(headDim).arg(rope.nDims())
                        .arg(rope.neox() ? 1 : 0).arg(fb).arg(rope.magnitude()).run(backend.stream());
                float[] got = down(xb, x.length);
                float[] want = x.clone();
                for (int r = 0; r < rows; r++) {
                    float[] one = java.util.Arrays.copyOfRange(want, r * heads * headDim, (r + 1) * heads * headDim);
                    Rope.apply(one, heads, headDim, rope.nDims(), rope.neox(), pos[r], freqs, rope.magnitude());
                    System.arraycopy(one, 0, want, r * heads * headDim, one.length);
                }
                double d = maxAbs(got, want, x.length);
                result("rope nDims " + rope.nDims() + (rope.neox() ? " neox" : " normal") + (rope.extFactor() != 0 ? " yarn" : ""),
                        d < 2e-3, "max abs diff " + d + " (positions up to 8160: float angles)");
            }
        }
    }

    private void attentionKernels(Random random) {
        int heads = 8, kvHeads = 2, headDim = 128, capacity = 1024, sequences = 2, kvDim = kvHeads * headDim;
        float[] kf = RandomBlocks.floats(sequences * capacity * kvDim, random), vf = RandomBlocks.floats(sequences * capacity * kvDim, random);
        byte[] k16 = new byte[2 * kf.length], v16 = new byte[2 * vf.length];
        for (int i = 0; i < kf.length; i++) {   // the cache holds F16: the reference reads the same rounded values
            short a = Float.floatToFloat16(kf[i]), b = Float.floatToFloat16(vf[i]);
            kf[i] = Float.float16ToFloat(a);
            vf[i] = Float.float16ToFloat(b);
            k16[2 * i] = (byte) a;
            k16[2 * i + 1] = (byte) (a >> 8);
            v16[2 * i] = (byte) b;
            v16[2 * i + 1] = (byte) (b >> 8);
        }
        try (DeviceBuffer kb = up(k16, "k cache"); DeviceBuffer vb = up(v16, "v cache");
             DeviceBuffer out = DeviceBuffer.allocate(4L * 4 * heads * headDim, "out");
             DeviceBuffer parts = DeviceBuffer.allocate(Workspace.attentionBytes(4, heads, headDim, Workspace.splits(capacity)), "parts")) {
            // rows: (sequence, cell) -> decode at several lengths, including the second sequence's slice
            int[][] cases = {{0, 0}, {0, 200}, {1, 1023}, {1, 511}};
            float scale = (float) (1 / Math.sqrt(headDim));
            for (int nsplit : new int[] {1, Workspace.splits(capacity)}) {
                for (float temp : new float[] {0f, 0.1f}) {
                    int rows = cases.length;
                    float[] q = RandomBlocks.floats(rows * heads * headDim, random);
                    int[] pos = new int[rows], start = new int[rows], len = new int[rows];
                    for (int r = 0; r < rows; r++) {
                        pos[r] = cases[r][1] + 8000 * cases[r][0];
                        start[r] = cases[r][0] * capacity;
                        len[r] = cases[r][1] + 1;
                    }
                    int splitLen = (capacity + nsplit - 1) / nsplit;
                    long n = (long) rows * heads * nsplit;
                    try (DeviceBuffer qb = up(q, "q"); DeviceBuffer pb = up(pos, "pos"); DeviceBuffer sb = up(start, "start");
                         DeviceBuffer lb = up(len, "len")) {
                        k(Ptx.ATTENTION, "attn_partial").grid(rows, nsplit, kvHeads).block(128).arg(qb).arg(kb).arg(vb).arg(pb)
                                .arg(sb).arg(lb).arg(heads).arg(kvHeads).arg(headDim).arg(scale).arg(0f).arg(temp).arg(8192)
                                .arg(splitLen).arg(parts.pointer()).arg(parts.at(4 * n)).arg(parts.at(8 * n)).run(backend.stream());
                        k(Ptx.ATTENTION, "attn_combine").grid(rows * heads).block(128).arg(parts.pointer()).arg(parts.at(4 * n))
                                .arg(parts.at(8 * n)).arg(out).arg(heads).arg(headDim).arg(nsplit).run(backend.stream());
                        float[] got = down(out, rows * heads * headDim);
                        double worst = 0;
                        for (int r = 0; r < rows; r++) {
                            float t = temp == 0 ? 1f : (float) (1 + temp * Math.log(1 + Math.floor(pos[r] / 8192.0)));
                            float[] kr = java.util.Arrays.copyOfRange(kf, start[r] * kvDim, (start[r] + len[r]) * kvDim);
                            float[] vr = java.util.Arrays.copyOfRange(vf, start[r] * kvDim, (start[r] + len[r]) * kvDim);
                            float[] want = Attention.plain(java.util.Arrays.copyOfRange(q, r * heads * headDim, (r + 1) * heads * headDim),
                                    kr, vr, len[r], heads, kvHeads, headDim, scale * t, 0f);
                            for (int i = 0; i < want.length; i++) {
                                worst = Math.max(worst, Math.abs(got[r * heads * headDim + i] - want[i]));
                            }
                        }
                        result("attention nsplit " + nsplit + (temp != 0 ? " temperature" : ""), worst < 1e-4, "max abs diff " + worst);
                    }
                }
            }
            // kv_store writes row kvStart + kvLen - 1
            float[] kNew = RandomBlocks.floats(2 * kvDim, random), vNew = RandomBlocks.floats(2 * kvDim, random);
            try (DeviceBuffer a = up(kNew, "k"); DeviceBuffer b = up(vNew, "v"); DeviceBuffer s = up(new int[] {0, capacity}, "start");
                 DeviceBuffer l = up(new int[] {10, 3}, "len")) {
                k(Ptx.OPS, "kv_store").grid(2, (kvDim + 255) / 256, 1).block(256).arg(a).arg(b).arg(kb).arg(vb).arg(s).arg(l)
                        .arg(kvDim).arg(kvDim).run(backend.stream());
                byte[] all = downBytes(kb, k16.length);
                int bad = 0;
                int[] rowsWritten = {9, capacity + 2};
                for (int j = 0; j < 2; j++) {
                    for (int i = 0; i < kvDim; i++) {
                        int at = 2 * (rowsWritten[j] * kvDim + i);
                        short h = (short) ((all[at] & 0xFF) | all[at + 1] << 8);
                        bad += h != Float.floatToFloat16(kNew[j * kvDim + i]) ? 1 : 0;
                    }
                }
                result("kv_store", bad == 0, bad + " halves differ");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // bandwidth

    float time(Runnable work, int reps) {
        CUevent start = new CUevent(), stop = new CUevent();
        cuEventCreate(start, 0);
        cuEventCreate(stop, 0);
        work.run();   // warm-up
        cuEventRecord(start, backend.stream());
        for (int i = 0; i < reps; i++) {
            work.run();
        }
        cuEventRecord(stop, backend.stream());
        cuEventSynchronize(stop);
        float[] ms = {0};
        cuEventElapsedTime(ms, start, stop);
        cuEventDestroy(start);
        cuEventDestroy(stop);
        return ms[0] / reps;
    }

    void bandwidth() {
        long bytes = 1L << 30;
        double copy;
        try (DeviceBuffer a = DeviceBuffer.allocate(bytes, "copy src"); DeviceBuffer b = DeviceBuffer.allocate(bytes, "copy dst")) {
            float ms = time(() -> cuMemcpyDtoDAsync(b.pointer(), a.pointer(), bytes, backend.stream()), 10);
            copy = 2.0 * bytes / (ms * 1e-3) / 1e9;   // read + write
            copyBandwidth = copy;
            System.out.printf("device-to-device copy: %.0f GB/s (read + write of %d MiB in %.3f ms)%n", copy, bytes >> 20, ms);
        }
        int rows = 14336, cols = 4096;
        Random random = new Random(2);
        float[] x = RandomBlocks.floats(cols, random);
        try (DeviceBuffer xb = up(x, "x"); DeviceBuffer xq = DeviceBuffer.allocate(Workspace.q8xBytes(1, cols), "q8x");
             DeviceBuffer y = DeviceBuffer.allocate(4L * rows, "y")) {
            k(Ptx.MATVEC, "quantize_q8x").grid(cols / 32 / 8).block(256).arg(xb).arg(xq.pointer()).arg(xq.at(cols)).arg(cols).arg(1)
                    .run(backend.stream());
            for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q5_K, GgmlType.Q4_0, GgmlType.Q8_0,
                    GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.F16}) {
                long wBytes = type.byteSize((long) rows * cols);
                try (DeviceBuffer w = DeviceBuffer.allocate(wBytes, type + " weights")) {
                    Launch launch = type == GgmlType.F16
                            ? k(Ptx.MATVEC, "mv_F16").grid(rows / 4).block(128).arg(w).arg(xb).arg(y).arg(rows).arg(cols).arg(1)
                            : k(Ptx.MATVEC, "mv_" + type).grid(rows / 4).block(128).arg(w).arg(xq.pointer()).arg(xq.at(cols))
                                    .arg(y).arg(rows).arg(cols).arg(1);
                    float ms = time(() -> launch.run(backend.stream()), 50);
                    double gbs = wBytes / (ms * 1e-3) / 1e9;
                    boolean goal = type == GgmlType.Q4_K || type == GgmlType.Q6_K;
                    String line = String.format("mv_%s [%d x %d]: %.1f us, %.0f GB/s = %.0f%% of copy%s", type, rows, cols, ms * 1e3,
                            gbs, 100 * gbs / copy, goal ? " (goal >= 80%)" : "");
                    if (goal) {
                        result("bandwidth mv_" + type, gbs >= 0.8 * copy, line);
                    } else {
                        System.out.println("INFO " + line);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // throughput (issue 8): synth a model, offload, prefill 512 tokens, decode 128; decode against copy bandwidth

    private double copyBandwidth;

    /** spec: "shape:mix:ngl" entries, comma-separated; ngl "all" or "gb11" (at most 11 GB of weights) or a number. */
    void bench(String spec) throws IOException {
        BackendProvider cpuProvider = null, cudaProvider = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals("cpu")) {
                cpuProvider = p;
            } else if (p.name().equals("cuda")) {
                cudaProvider = p;
            }
        }
        if (spec.isBlank() || cpuProvider == null || cudaProvider == null) {
            skip("bench", spec.isBlank() ? "KILN_GPU_BENCH is empty" : "cpu or cuda provider missing from the classpath");
            return;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "kiln-synth");
        Files.createDirectories(dir);
        for (String entry : spec.split(",")) {
            String[] f = entry.trim().split(":");
            var shape = dev.kiln.core.synth.ModelShapes.byName(f[0]);
            var mix = dev.kiln.core.synth.QuantMix.byName(f[1]);
            Path file = dir.resolve(f[0] + "." + f[1] + ".gguf");
            long t0 = System.nanoTime();
            if (!Files.exists(file)) {
                new dev.kiln.core.synth.SynthWriter(shape, mix, 1, null).write(file, (w, t) -> { });
            }
            System.out.printf("synth %s: %.1f GB in %.1f s%n", file.getFileName(), Files.size(file) / 1e9, (System.nanoTime() - t0) / 1e9);
            for (boolean graphs : new boolean[] {false, true})
            try (GgufModel m = ModelLoader.load(file); Backend cpu = cpuProvider.open(BackendConfig.of(Runtime.getRuntime().availableProcessors()));
                 Backend gpu = cudaProvider.open(BackendConfig.of(1).with(CudaBackendProvider.GRAPHS, graphs))) {
                int blocks = m.hyperParams().blockCount();
                DeviceBudget fit = DeviceBudget.of(m.weights(), m.hyperParams(), GgmlType.F16, 1024, 512, gpu);
                int ngl = switch (f.length > 2 ? f[2] : "all") {
                    case "all" -> blocks + 1;
                    case "gb11" -> {
                        int k = blocks + 1;
                        while (k > 0 && weightBytes(fit, m, k) > 11e9) {
                            k--;
                        }
                        yield k;
                    }
                    default -> Integer.parseInt(f[2]);
                };
                Placement placement = Placement.gpuLayers(blocks, ngl);
                double weights = weightBytes(fit, m, ngl);
                System.out.println("INFO memory estimate -ngl " + ngl + ": " + fit.parts(placement).describe());
                int vocab = m.hyperParams().vocabSize();
                try (Forward fw = new Forward(m, placement, cpu, gpu, 512); KvCache cache = fw.newCache(GgmlType.F16, 1, 1024)) {
                    int[] prompt = new int[512];
                    for (int i = 0; i < prompt.length; i++) {
                        prompt[i] = 1 + (i * 7919) % (vocab - 1);
                    }
                    float[] logits = new float[vocab];
                    long p0 = System.nanoTime();
                    fw.forward(cache, Batch.ofSequence(0, 0, prompt, 0, 512, false), logits);
                    double prefill = (System.nanoTime() - p0) / 1e9;
                    int token = 1;
                    for (int i = 0; i < 4; i++) {   // warm-up
                        fw.forward(cache, Batch.single(0, 512 + i, token), logits);
                    }
                    long d0 = System.nanoTime();
                    for (int i = 0; i < 128; i++) {
                        fw.forward(cache, Batch.single(0, 516 + i, token), logits);
                        token = 1 + Math.floorMod(argmax(logits), vocab - 1);
                    }
                    double decode = 128 / ((System.nanoTime() - d0) / 1e9);
                    double bound = copyBandwidth * 1e9 / weights;
                    String line = String.format((graphs ? "[graphs] " : "") + "%s -ngl %d (%s): prefill 512: %.0f tok/s, decode 128: %.1f tok/s = %.0f%% of the bound"
                                    + " %.0f tok/s (copy %.0f GB/s / %.2f GB of GPU weights per token)", file.getFileName(), ngl,
                            placement.describe("cpu", "cuda"), 512 / prefill, decode, 100 * decode / bound, bound, copyBandwidth, weights / 1e9);
                    if (ngl == blocks + 1) {
                        result("bench " + f[0] + " " + f[1] + " full offload" + (graphs ? " with graphs" : ""), decode >= 0.8 * bound,
                                line + " (goal >= 80%)");
                    } else {
                        System.out.println("INFO bench " + line);
                    }
                }
            } catch (RuntimeException e) {
                result("bench " + entry, false, e.toString());
            }
        }
    }

    /**
     * Small models made here (llama untied with YaRN, qwen3 tied with QK norm; 4 blocks, dim 256) in every mix synth
     * writes, so the GPU run compares CUDA with the CPU backend even where the shared test data is not reachable.
     */
    void synthLogits() throws IOException {
        BackendProvider cpuProvider = null, cudaProvider = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals("cpu")) {
                cpuProvider = p;
            } else if (p.name().equals("cuda")) {
                cudaProvider = p;
            }
        }
        if (cpuProvider == null || (cudaProvider == null && !cpuOnly)) {
            skip("synth logits", "cpu or cuda provider missing from the classpath");
            return;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "kiln-synth-small");
        Files.createDirectories(dir);
        var yarn = new java.util.LinkedHashMap<String, dev.kiln.gguf.MetadataValue>();
        yarn.put("rope.scaling.type", dev.kiln.gguf.MetadataValue.of("yarn"));
        yarn.put("rope.scaling.factor", new dev.kiln.gguf.MetadataValue.FloatValue(dev.kiln.gguf.ValueType.FLOAT32, 4f));
        yarn.put("rope.scaling.original_context_length", dev.kiln.gguf.MetadataValue.of(dev.kiln.gguf.ValueType.UINT32, 256));
        var shapes = List.of(
                new dev.kiln.core.synth.ModelShape("kiln-llama-small", "llama", "llama small (synthetic)", 4, 256, 768, 8, 2, 32,
                        32000, 4096, 1e6f, 1e-5f, false, dev.kiln.core.synth.VocabKind.LLAMA_SPM, yarn),
                new dev.kiln.core.synth.ModelShape("kiln-qwen3-small", "qwen3", "qwen3 small (synthetic)", 4, 256, 768, 8, 2, 64,
                        32000, 4096, 1e6f, 1e-6f, true, dev.kiln.core.synth.VocabKind.LLAMA_SPM, java.util.Map.of()));
        int[] prompt = new int[24];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = 1 + (i * 1237) % 31999;
        }
        for (var shape : shapes) {
            for (var mix : dev.kiln.core.synth.QuantMix.values()) {
                Path file = dir.resolve(shape.name() + "." + mix + ".gguf");
                String name = file.getFileName().toString();
                try {
                    if (!Files.exists(file)) {
                        new dev.kiln.core.synth.SynthWriter(shape, mix, 7, null).write(file, (w, t) -> { });
                    }
                    try (GgufModel m = ModelLoader.load(file); Backend cpu = cpuProvider.open(BackendConfig.of(Runtime.getRuntime().availableProcessors()))) {
                        int blocks = m.hyperParams().blockCount(), n = prompt.length * m.hyperParams().vocabSize();
                        float[] reference = runModel(m, cpu, cudaProvider, 0, prompt, prompt.length, 0, false);
                        if (cpuOnly) {
                            float[] decoded = runModel(m, cpu, cudaProvider, 0, prompt, prompt.length, 0, true);
                            result("synth " + name + " cpu batch vs decode", maxAbs(decoded, reference, n) <= 0.06,
                                    String.format("max diff %.4f", maxAbs(decoded, reference, n)));
                        }
                        for (int ngl : cpuOnly ? new int[0] : new int[] {1, blocks / 2, blocks, blocks + 1}) {
                            for (boolean decode : new boolean[] {false, true}) {
                                float[] got = runModel(m, cpu, cudaProvider, ngl, prompt, prompt.length, 0, decode);
                                double d = maxAbs(got, reference, n);
                                result(String.format("synth %s -ngl %d %s", name, ngl, decode ? "decode" : "batch"), d <= 0.06,
                                        String.format("max |cuda - cpu| %.4f over %d positions (bound 0.06)", d, prompt.length));
                            }
                        }
                        float[] graphed = runModel(m, cpu, cudaProvider, blocks + 1, prompt, prompt.length, 0, true, true);
                        double dg = maxAbs(graphed, reference, n);
                        result(String.format("synth %s -ngl %d decode with CUDA graphs", name, blocks + 1), dg <= 0.06,
                                String.format("max |cuda - cpu| %.4f (bound 0.06)", dg));
                    }
                } catch (RuntimeException e) {
                    result("synth " + name, false, e.toString());
                }
            }
        }
    }

    /** Weight bytes on the GPU for -ngl k (the slots' bytes without their KV cache). */
    private static double weightBytes(DeviceBudget fit, GgufModel m, int k) {
        return fit.parts(Placement.gpuLayers(m.hyperParams().blockCount(), k)).weights();
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------------------------------------------------
    // logits

    void logits(Path synthetic) throws IOException {
        BackendProvider cpuProvider = null, cudaProvider = null;
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.name().equals("cpu")) {
                cpuProvider = p;
            } else if (p.name().equals("cuda")) {
                cudaProvider = p;
            }
        }
        if (cpuProvider == null || (cudaProvider == null && !cpuOnly)) {
            skip("logits", "backend provider missing from the classpath (cpu " + (cpuProvider != null) + ", cuda " + (cudaProvider != null) + ")");
            return;
        }
        if (!Files.isDirectory(synthetic)) {
            skip("logits", "no test data at " + synthetic);
            return;
        }
        List<Path> refs;
        try (var s = Files.list(synthetic)) {
            refs = s.filter(p -> p.getFileName().toString().endsWith(".ref.json")).sorted().toList();
        }
        for (Path ref : refs) {
            String json = Files.readString(ref);
            String model = field(json, "model"), logitsFile = field(json, "logits_file");
            int[] prompt = ints(json, "prompt_ids"), range = ints(json, "positions");
            int start = range.length > 0 ? range[0] : 0;
            Matcher strideMatch = Pattern.compile("\"logits_stride\"\\s*:\\s*(\\d+)").matcher(json);
            int stride = strideMatch.find() ? Integer.parseInt(strideMatch.group(1)) : 1;
            Path gguf = synthetic.resolve(model), expectedPath = logitsFile == null ? null : synthetic.resolve(logitsFile);
            if (!Files.exists(gguf) || expectedPath == null || !Files.exists(expectedPath) || prompt.length == 0) {
                skip("logits " + ref.getFileName(), "model, logits or prompt ids missing");
                continue;
            }
            float[] expected = dev.kiln.testdata.TestData.readFloats(expectedPath);
            double bound = model.startsWith("mistral3") || model.startsWith("qwen3-yarn") ? 0.07 : 0.06;
            try (GgufModel m = ModelLoader.load(gguf); Backend cpu = cpuProvider.open(BackendConfig.of(Runtime.getRuntime().availableProcessors()))) {
                int blocks = m.hyperParams().blockCount(), vocab = m.hyperParams().vocabSize();
                int columns = (vocab + stride - 1) / stride;
                int positions = Math.min(prompt.length, expected.length / columns);
                float[] cpuLogits = null;
                for (int ngl : cpuOnly ? new int[] {0} : new int[] {0, 1, blocks / 2, blocks, blocks + 1}) {
                    for (boolean decode : new boolean[] {false, true}) {
                        float[] got = runModel(m, cpu, cudaProvider, ngl, prompt, positions, start, decode);
                        double vsRef = 0;
                        for (int p = 0; p < positions; p++) {
                            for (int c = 0; c < columns; c++) {
                                vsRef = Math.max(vsRef, Math.abs(got[p * vocab + c * stride] - expected[p * columns + c]));
                            }
                        }
                        String name = String.format("logits %s%s -ngl %d %s", model, start > 0 ? " from position " + start : "", ngl,
                                decode ? "decode" : "batch");
                        if (ngl == 0 && !decode) {
                            cpuLogits = got;
                        }
                        double vsCpu = cpuLogits == null ? Double.NaN : maxAbs(got, cpuLogits, positions * vocab);
                        result(name, vsRef <= bound, String.format("max |gpu - llama.cpp| %.4f (bound %.2f), max |gpu - cpu| %.4f, %d positions",
                                vsRef, bound, vsCpu, positions));
                    }
                }
            } catch (RuntimeException e) {
                result("logits " + model, false, e.toString());
            }
        }
    }

    private float[] runModel(GgufModel m, Backend cpu, BackendProvider cudaProvider, int ngl, int[] prompt, int positions, int start,
                             boolean decode) {
        return runModel(m, cpu, cudaProvider, ngl, prompt, positions, start, decode, false);
    }

    private float[] runModel(GgufModel m, Backend cpu, BackendProvider cudaProvider, int ngl, int[] prompt, int positions, int start,
                             boolean decode, boolean graphs) {
        int vocab = m.hyperParams().vocabSize();
        float[] out = new float[positions * vocab];
        Backend gpu = ngl > 0 ? cudaProvider.open(BackendConfig.of(1).with(CudaBackendProvider.GRAPHS, graphs)) : null;
        Placement placement = Placement.gpuLayers(m.hyperParams().blockCount(), ngl);
        try (Forward f = new Forward(m, placement, cpu, gpu, decode ? 1 : positions);
             KvCache cache = f.newCache(GgmlType.F16, 1, Math.max(64, positions))) {
            if (decode) {
                float[] one = new float[vocab];
                for (int p = 0; p < positions; p++) {   // cell p holds position start + p, as in llama.cpp
                    f.forward(cache, new Batch(new int[] {prompt[p]}, new int[] {0}, new int[] {start + p}, new int[] {p},
                            new boolean[] {true}), one);
                    System.arraycopy(one, 0, out, p * vocab, vocab);
                }
            } else {
                int[] seq = new int[positions], pos = new int[positions], cells = new int[positions];
                boolean[] all = new boolean[positions];
                for (int p = 0; p < positions; p++) {
                    pos[p] = start + p;
                    cells[p] = p;
                    all[p] = true;
                }
                f.forward(cache, new Batch(java.util.Arrays.copyOf(prompt, positions), seq, pos, cells, all), out);
            }
        } finally {
            if (gpu != null) {
                if (graphs && gpu instanceof CudaBackend c) {
                    System.out.println("INFO cuda graphs: " + c.graphStats());
                }
                gpu.close();
            }
        }
        return out;
    }

    static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    static int[] ints(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
        if (!m.find() || m.group(1).isBlank()) {
            return new int[0];
        }
        String[] parts = m.group(1).split(",");
        int[] v = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Integer.parseInt(parts[i].trim());
        }
        return v;
    }
}
