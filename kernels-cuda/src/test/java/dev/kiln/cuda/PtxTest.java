package dev.kiln.cuda;

import jcuda.nvptxcompiler.JNvPTXCompiler;
import jcuda.nvptxcompiler.nvPTXCompileResult;
import jcuda.nvptxcompiler.nvPTXCompilerHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The committed PTX loads on CUDA 12 and 13 drivers for sm_75 and newer: its ISA version is at most 8.0, the PTX
 * compiler bundled in the JCuda natives (CUDA 12.0, what a CUDA 12.0 driver's JIT accepts) compiles it, ptxas (when
 * installed) assembles it for sm_75/86/89/90 (at -O0: validation, not code quality), and it is what scripts/build-ptx.sh makes from the .cu sources today.
 */
class PtxTest {
    static final String[] ARCHS = {"sm_75", "sm_86", "sm_89", "sm_90"};

    @ParameterizedTest
    @EnumSource(Ptx.class)
    void headerIsAtMostPtx80ForSm75(Ptx ptx) {
        int[] v = ptx.isaVersion();
        assertTrue(v[0] < 8 || (v[0] == 8 && v[1] == 0), ptx + ": .version " + v[0] + "." + v[1] + " is refused by CUDA 12.0 drivers");
        assertTrue(ptx.text().contains("\n.target sm_75\n"), ptx + " must target sm_75");
        assertFalse(ptx.entries().isEmpty(), ptx + " defines no kernels");
    }

    @ParameterizedTest
    @EnumSource(Ptx.class)
    void bundledPtxCompilerOfCuda12AcceptsIt(Ptx ptx) {
        int[] major = {0}, minor = {0};
        assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, JNvPTXCompiler.nvPTXCompilerGetVersion(major, minor));
        assertEquals(12, major[0], "JCuda's bundled PTX compiler should be CUDA 12.x");
        byte[] text = ptx.text().getBytes(StandardCharsets.US_ASCII);
        for (String arch : new String[] {"sm_75"}) {   // the version check; ptxas covers the other architectures
            nvPTXCompilerHandle handle = new nvPTXCompilerHandle();
            assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, JNvPTXCompiler.nvPTXCompilerCreate(handle, text.length, text));
            try {
                int r = JNvPTXCompiler.nvPTXCompilerCompile(handle, 2, new String[] {"--gpu-name=" + arch, "-O0"});
                assertEquals(nvPTXCompileResult.NVPTXCOMPILE_SUCCESS, r,
                        () -> ptx + " for " + arch + ": " + nvPTXCompileResult.stringFor(r) + " " + errorLog(handle));
            } finally {
                JNvPTXCompiler.nvPTXCompilerDestroy(handle);
            }
        }
    }

    @Test
    void bundledPtxCompilerRejectsPtx90() {
        // the check above is meaningful only if this compiler refuses what nvcc 13 writes unmodified
        byte[] text = Ptx.OPS.text().replaceFirst("\\.version \\d+\\.\\d+", ".version 9.0").getBytes(StandardCharsets.US_ASCII);
        nvPTXCompilerHandle handle = new nvPTXCompilerHandle();
        JNvPTXCompiler.nvPTXCompilerCreate(handle, text.length, text);
        try {
            assertEquals(nvPTXCompileResult.NVPTXCOMPILE_ERROR_UNSUPPORTED_PTX_VERSION,
                    JNvPTXCompiler.nvPTXCompilerCompile(handle, 1, new String[] {"--gpu-name=sm_75"}));
        } finally {
            JNvPTXCompiler.nvPTXCompilerDestroy(handle);
        }
    }

    private static String errorLog(nvPTXCompilerHandle handle) {
        long[] size = {0};
        JNvPTXCompiler.nvPTXCompilerGetErrorLogSize(handle, size);
        byte[] log = new byte[(int) size[0]];
        if (size[0] > 0) {
            JNvPTXCompiler.nvPTXCompilerGetErrorLog(handle, log);
        }
        return new String(log, StandardCharsets.US_ASCII).trim();
    }

    @ParameterizedTest
    @EnumSource(Ptx.class)
    void ptxasAssemblesItForEveryTargetArchitecture(Ptx ptx, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(onPath("ptxas"), "ptxas not on PATH: skipping the ptxas check (the bundled PTX compiler check still ran)");
        Path file = dir.resolve(ptx.fileName() + ".ptx");
        Files.writeString(file, ptx.text(), StandardCharsets.US_ASCII);
        for (String arch : ARCHS) {
            Result r = run(dir, "ptxas", "-O0", "-arch=" + arch, file.toString(), "-o", dir.resolve(arch + ".cubin").toString());
            assertEquals(0, r.exit, ptx + " for " + arch + ": " + r.output);
        }
    }

    @Test
    void committedPtxIsAFreshCompileOfTheSources(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(onPath("nvcc") && onPath("ptxas"), "nvcc/ptxas not on PATH: skipping the fresh-compile comparison");
        Path script = repositoryRoot().resolve("scripts/build-ptx.sh");
        Result r = run(dir, Map.of("PTX_CHECK_ARCHS", "sm_75"), "bash", script.toString(), dir.toString());
        assertEquals(0, r.exit, "build-ptx.sh failed: " + r.output);
        for (Ptx ptx : Ptx.values()) {
            String fresh = Files.readString(dir.resolve(ptx.fileName() + ".ptx"), StandardCharsets.US_ASCII);
            assertTrue(fresh.equals(ptx.text()), ptx + ": committed PTX differs from a fresh compile of src/main/cuda/"
                    + ptx.fileName() + ".cu; run scripts/build-ptx.sh and commit the result");
        }
    }

    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("scripts/build-ptx.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("scripts/build-ptx.sh not found above " + Path.of("").toAbsolutePath());
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    record Result(int exit, String output) {}

    static Result run(Path dir, String... command) throws IOException, InterruptedException {
        return run(dir, Map.of(), command);
    }

    static Result run(Path dir, Map<String, String> env, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return new Result(-1, "timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
