package dev.kiln.cli;

import dev.kiln.core.LoadOptions;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.gguf.GgmlType;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The model and engine flags shared by {@code run} and {@code logits}, named as llama.cpp names them. Converted to
 * {@link LoadOptions} once; every invalid value is a {@link UsageException} naming the flag.
 */
final class EngineOptions {

    /** Null when not given: {@link #model()} refuses that, {@link #modelOrDemo} runs the demo model. */
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF model file (run and serve without -m: the built-in demo model " + DemoModel.NAME + ").")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "CPU threads (default: all processors).")
    Integer threads;

    @Option(names = {"-ngl", "--n-gpu-layers", "--gpu-layers"}, paramLabel = "N|auto", converter = GpuLayers.class,
            description = "Slots to offload to the GPU: the output head first, then the last blocks; auto fits what the memory allows (default: 0).")
    int gpuLayers = 0;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "Context size in tokens, capped at the model's; 0 = the model's (default: ${DEFAULT-VALUE}).")
    int contextSize = LoadOptions.DEFAULT_CONTEXT;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N",
            description = "Prompt tokens processed per pass over the weights, at most -c (default: ${DEFAULT-VALUE}).")
    int batchSize = LoadOptions.DEFAULT_BATCH;

    @Option(names = {"-ctk", "--cache-type-k"}, paramLabel = "TYPE", converter = CacheType.class,
            description = "KV cache type for K: f16 (default), f32, q8_0.")
    GgmlType cacheTypeK = GgmlType.F16;

    @Option(names = {"-ctv", "--cache-type-v"}, paramLabel = "TYPE", converter = CacheType.class,
            description = "KV cache type for V: f16 (default), f32, q8_0; must equal -ctk for now.")
    GgmlType cacheTypeV;

    @Option(names = "--backend", paramLabel = "NAME", description = "Accelerator for offloaded layers (default: the best available).")
    String backend = "";

    @Option(names = "--cpu-matmul", paramLabel = "q8|f32", converter = Precision.class,
            description = "CPU matrix products: q8 (default: activations quantized to 8 bits and integer kernels on "
                    + "weights repacked at load, as llama.cpp; where vectors are 256 bits, batches of 16+ tokens on "
                    + "Q4_K, Q5_K and Q6_K run in float on the repacked weights; the load log says which) or f32 "
                    + "(exact: float activations, weights read in place).")
    MatMulPrecision cpuMatMul = MatMulPrecision.Q8;

    /** The {@code -m} file; a usage error when none was given. */
    Path model() {
        if (model == null) {
            throw new UsageException("-m/--model: a GGUF model file is needed");
        }
        return model;
    }

    /**
     * The {@code -m} file, or the built-in demo model ({@link DemoModel}) when none was given, which one line on
     * {@code err} says.
     */
    Path modelOrDemo(java.io.PrintWriter err, String command) throws java.io.IOException {
        if (model != null) {
            return model;
        }
        err.println(DemoModel.notice(command));
        err.flush();
        return DemoModel.file();
    }

    LoadOptions toLoadOptions() {
        int t = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
        if (t < 1 || t > 1024) {
            throw new UsageException("-t/--threads: expected 1 to 1024, found " + t);
        }
        int context = contextSize();
        int batch = batchSize();
        GgmlType v = cacheTypeV == null ? cacheTypeK : cacheTypeV;
        if (v != cacheTypeK) {
            throw new UsageException("-ctv/--cache-type-v: must equal -ctk (" + name(cacheTypeK) + ") for now, found " + name(v));
        }
        return LoadOptions.defaults().withThreads(t).withGpuLayers(gpuLayers).withContextSize(context)
                .withBatchSize(batch).withCacheType(cacheTypeK).withAccelerator(backend)
                .withBackendConfig(BackendConfig.of(t).with(MatMulPrecision.OPTION, cpuMatMul));
    }

    /**
     * {@code -c} as the engine takes it: 0 (llama.cpp's "the model's context") becomes the largest value, which loading
     * caps at the model's training context.
     */
    int contextSize() {
        if (contextSize < 0) {
            throw new UsageException("-c/--ctx-size: expected 0 (the model's) or a positive count, found " + contextSize);
        }
        return contextSize == 0 ? Integer.MAX_VALUE : contextSize;
    }

    /** {@code -b}, at most {@code -c} (as llama.cpp caps it): a huge value must not size buffers. */
    int batchSize() {
        if (batchSize < 1) {
            throw new UsageException("-b/--batch-size: expected >= 1, found " + batchSize);
        }
        return Math.min(batchSize, contextSize());
    }

    /** llama.cpp's warning when {@code -ngl} asks for offload but no accelerator took any slot. */
    void warnIfNothingOffloaded(dev.kiln.core.Model model, java.io.PrintWriter err, String command) {
        if (gpuLayers != 0 && model.placement().offloadedSlots() == 0) {
            err.println("kiln " + command + ": no usable GPU backend found (" + dev.kiln.core.spi.Backends.acceleratorsUnavailable()
                    + "); -ngl is ignored and every layer runs on the CPU");
        }
    }

    static String name(GgmlType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }

    /** {@code -ngl}: a count >= 0, or -1/auto. */
    static final class GpuLayers implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            if (value.equalsIgnoreCase("auto") || value.equals("-1")) {
                return Placement.AUTO;
            }
            try {
                int n = Integer.parseInt(value);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new picocli.CommandLine.TypeConversionException("expected a layer count >= 0, -1 or auto, found '" + value + "'");
        }
    }

    /** {@code --cpu-matmul}: q8 or f32. */
    static final class Precision implements ITypeConverter<MatMulPrecision> {
        @Override
        public MatMulPrecision convert(String value) {
            try {
                return MatMulPrecision.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("expected q8 or f32, found '" + value + "'");
            }
        }
    }

    /** {@code -ctk/-ctv}: f16, f32 or q8_0 (llama.cpp's spelling). */
    static final class CacheType implements ITypeConverter<GgmlType> {
        @Override
        public GgmlType convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "f16" -> GgmlType.F16;
                case "f32" -> GgmlType.F32;
                case "q8_0" -> GgmlType.Q8_0;
                default -> throw new picocli.CommandLine.TypeConversionException(
                        "expected f16, f32 or q8_0, found '" + value + "'");
            };
        }
    }
}
