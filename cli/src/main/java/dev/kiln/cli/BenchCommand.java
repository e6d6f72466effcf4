package dev.kiln.cli;

import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln bench -m FILE [-p 512] [-n 128] [-d 0] [-r 5] [-t 1,2] [-ngl 0,99] [-b 512] [--cpu-matmul q8,f32]
 * [-o md|json|csv]}: llama-bench's
 * tests ({@link BenchRunner}) for every combination of the list-valued flags, one row per combination and test
 * ({@link BenchReport}).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prompt processing (pp<N>) and generation (tg<N>) speed, like llama-bench.")
final class BenchCommand implements Callable<Integer> {

    /** Opens the model for one combination of flags. */
    @FunctionalInterface
    interface Opener {
        BenchModel open(Path model, int threads, int gpuLayers, int batchSize, int contextSize, MatMulPrecision precision)
                throws IOException;
    }

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model file.")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, split = ",", paramLabel = "N", defaultValue = "512",
            description = "Prompt lengths for pp tests, comma-separated; 0 skips (default: ${DEFAULT-VALUE}).")
    List<Integer> prompts;

    @Option(names = {"-n", "--n-gen"}, split = ",", paramLabel = "N", defaultValue = "128",
            description = "Token counts for tg tests, comma-separated; 0 skips (default: ${DEFAULT-VALUE}).")
    List<Integer> gens;

    @Option(names = {"-d", "--n-depth"}, split = ",", paramLabel = "N", defaultValue = "0",
            description = "Context tokens before each test (not timed), comma-separated: decode and prompt speed at "
                    + "depth, as llama-bench's -d (default: ${DEFAULT-VALUE}).")
    List<Integer> depths;

    @Option(names = "--cpu-matmul", split = ",", paramLabel = "q8|f32", defaultValue = "q8",
            converter = EngineOptions.Precision.class,
            description = "CPU matrix products, comma-separated: q8 (8-bit activations, integer kernels; where vectors "
                    + "are 256 bits, batches of 16+ tokens on Q4_K, Q5_K and Q6_K in float) or f32 (exact); the backend "
                    + "column shows which, and stderr the load's full path (default: ${DEFAULT-VALUE}).")
    List<MatMulPrecision> precisions;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", defaultValue = "5",
            description = "Timed runs per test, after one warm-up (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = {"-w", "--warmup"}, paramLabel = "N", defaultValue = "1",
            description = "Untimed runs per test before the timed ones (default: ${DEFAULT-VALUE}; llama-bench does 1, "
                    + "the JIT may want more).")
    int warmups;

    @Option(names = {"-t", "--threads"}, split = ",", paramLabel = "N",
            description = "Thread counts, comma-separated (default: the number of processors).")
    List<Integer> threads;

    @Option(names = {"-ngl", "--n-gpu-layers"}, split = ",", paramLabel = "N", defaultValue = "0",
            description = "Layers to offload to the GPU, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> gpuLayers;

    @Option(names = {"-b", "--batch-size"}, split = ",", paramLabel = "N", defaultValue = "512",
            description = "Prompt tokens per forward pass, comma-separated (default: ${DEFAULT-VALUE}).")
    List<Integer> batchSizes;

    @Option(names = {"-o", "--output"}, paramLabel = "md|json|csv", defaultValue = "md",
            description = "Output format (default: ${DEFAULT-VALUE}).")
    BenchReport.Format format;

    @Option(names = "--profile",
            description = "After the timed runs of each test, as many again with every op timed, and after the "
                    + "results a table per test of where that time went: each op, and each weight role of the matrix "
                    + "products, with its share, G multiply-adds/s and weight GB/s (markdown; on stderr with -o json "
                    + "or csv). The timed results are not profiled. Each profiled op waits for its backend to "
                    + "finish, so on a GPU the ops run one by one (no CUDA graph of a whole step).")
    boolean profile;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private final Opener opener;

    BenchCommand() {
        this(EngineBenchModel::open);
    }

    BenchCommand(Opener opener) {
        this.opener = opener;
    }

    @Override
    public Integer call() throws IOException {
        if (threads == null) {
            threads = List.of(Runtime.getRuntime().availableProcessors());
        }
        validate();
        List<BenchRunner.Test> tests = BenchRunner.tests(prompts, gens, depths);
        BenchReport.ModelInfo info = modelInfo(model);
        int contextSize = tests.stream().mapToInt(BenchRunner.Test::positions).max().orElseThrow();
        PrintWriter out = spec.commandLine().getOut();
        BenchReport.header(format, out);
        List<BenchReport.Row> profiled = new ArrayList<>();
        boolean first = true;
        for (int batch : batchSizes) {
            for (int ngl : gpuLayers) {
                for (MatMulPrecision precision : precisions) {
                    for (int t : threads) {
                        BenchRunner runner = new BenchRunner(batch, repetitions, warmups, profile);
                        try (BenchModel m = opener.open(model, t, ngl, batch, contextSize, precision)) {
                            describe(m);
                            for (BenchRunner.Test test : tests) {
                                BenchRunner.Samples samples = runner.run(m, test);
                                BenchReport.Row row = new BenchReport.Row(info, m.backend(), t, ngl, batch, samples);
                                BenchReport.row(format, row, first, out);
                                first = false;
                                if (samples.profile() != null) {
                                    profiled.add(row);
                                }
                            }
                        }
                    }
                }
            }
        }
        BenchReport.footer(format, out);
        PrintWriter profileOut = format == BenchReport.Format.MD ? out : spec.commandLine().getErr();
        for (BenchReport.Row row : profiled) {
            BenchProfileReport.write(row, profileOut);
        }
        return 0;
    }

    /**
     * The loaded model's path on stderr (the table's backend column names the precision only): e.g. that batches of
     * 16+ tokens run in float on some weight types.
     */
    private void describe(BenchModel m) {
        String how = m.description();
        if (!how.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("kiln bench: " + m.backend() + ": " + how);
            err.flush();
        }
    }

    private void validate() {
        positive("-r", List.of(repetitions));
        if (warmups < 0) {
            throw new UsageException("-w: expected N >= 0, found " + warmups);
        }
        positive("-t", threads);
        for (int t : threads) {
            if (t > 1024) {
                throw new UsageException("-t: expected N <= 1024, found " + t);
            }
        }
        positive("-b", batchSizes);
        for (int p : prompts) {
            if (p < 0) {
                throw new UsageException("-p: expected N >= 0, found " + p);
            }
        }
        for (int n : gens) {
            if (n < 0) {
                throw new UsageException("-n: expected N >= 0, found " + n);
            }
        }
        for (int n : gpuLayers) {
            if (n < 0) {
                throw new UsageException("-ngl: expected N >= 0, found " + n);
            }
        }
        for (int d : depths) {
            if (d < 0) {
                throw new UsageException("-d: expected N >= 0, found " + d);
            }
        }
        if (BenchRunner.tests(prompts, gens).isEmpty()) {
            throw new UsageException("-p and -n are all 0: nothing to measure");
        }
    }

    private static void positive(String flag, List<Integer> values) {
        for (int v : values) {
            if (v < 1) {
                throw new UsageException(flag + ": expected N >= 1, found " + v);
            }
        }
    }

    /** Size, parameter count and description of the file, for the table's model columns. */
    static BenchReport.ModelInfo modelInfo(Path path) throws IOException {
        try (GgufFile file = GgufFile.open(path)) {
            long params = 0;
            for (TensorInfo t : file.tensors()) {
                params += t.elementCount();
            }
            String arch = file.metadata().findString("general.architecture").orElse("?");
            int fileType = file.metadata().findInt("general.file_type").orElse(-1);
            return new BenchReport.ModelInfo(path.getFileName().toString(),
                    BenchReport.modelType(arch, params, fileType), file.sizeBytes(), params);
        }
    }
}
