package dev.kiln.core;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.core.arch.UnsupportedModelException;
import dev.kiln.core.graph.DeviceBudget;
import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.model.ModelWeights;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.BackendProvider;
import dev.kiln.core.spi.Backends;
import dev.kiln.core.spi.Batch;
import dev.kiln.gguf.TensorData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The entry point of the Java API: {@code try (Model m = Kiln.load(path, LoadOptions.defaults())) { ... }}.
 * Loading maps the file, resolves and checks every tensor, opens the CPU backend (and the best accelerator when
 * layers are offloaded), places the slots by the {@code -ngl} rule and uploads the weights. Nothing here prints or
 * exits; progress is logged through slf4j.
 */
public final class Kiln {
    private static final Logger LOG = LoggerFactory.getLogger(Kiln.class);

    private Kiln() {}

    /**
     * Loads a GGUF model.
     *
     * @throws IOException               the file cannot be read
     * @throws dev.kiln.gguf.GgufFormatException the file is malformed
     * @throws UnsupportedModelException the model cannot run here (architecture, tensors, types), listing every problem
     * @throws BackendException          a backend failed to open or upload
     */
    public static Model load(Path path, LoadOptions options) throws IOException {
        long t0 = System.nanoTime();
        GgufModel model = ModelLoader.load(path);
        Backend cpu = null;
        Backend accelerator = null;
        Forward forward = null;
        try {
            HyperParams hp = model.hyperParams();
            cpu = Backends.cpu().open(options.backendConfig());
            Optional<BackendProvider> accelProvider = options.gpuLayers() == 0 ? Optional.empty() : accelerator(options);
            if (accelProvider.isPresent()) {
                accelerator = openAccelerator(accelProvider.get(), options).orElse(null);
            }
            // a prompt chunk never exceeds the context in use (llama.cpp: n_batch = min(n_ctx, n_batch))
            int contextInUse = Math.max(1, Math.min(options.contextSize(), hp.contextLength()));
            int batchRows = Math.min(options.batchSize(), contextInUse);
            DeviceBudget budget = accelerator == null ? null
                    : DeviceBudget.of(model.weights(), hp, options.keyCacheType(), contextInUse, batchRows, accelerator);
            Placement placement = place(model, options, accelerator, budget);
            if (accelerator != null && placement.offloadedSlots() == 0) {
                accelerator.close();
                accelerator = null;
            }
            checkTypes(model, placement, cpu, accelerator);
            DeviceBudget.Parts deviceMemory = accelerator == null ? null : budget.parts(placement);
            if (deviceMemory != null) {
                LOG.info("{} memory estimate: {}", accelerator.name(), deviceMemory.describe());
            }
            forward = new Forward(model, placement, cpu, accelerator, batchRows);
            warmUp(forward, options, hp, batchRows);
            Tokenizer tokenizer = Tokenizers.from(model.metadata());
            String template = model.metadata().findString("tokenizer.chat_template").orElse(null);
            long nanos = System.nanoTime() - t0;
            LOG.info("loaded {} ({}, {} blocks) in {} ms: {} ({})", path.getFileName(), hp.architecture().ggufName(),
                    hp.blockCount(), nanos / 1_000_000, placement.describe(cpu.name(),
                            accelerator == null ? "accelerator" : accelerator.name()), cpu.description());
            return new Model(model, options, cpu, accelerator, placement, forward, tokenizer, template, nanos, deviceMemory);
        } catch (RuntimeException | Error e) {
            for (AutoCloseable c : new AutoCloseable[] {forward, accelerator, cpu, model}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
    }

    /**
     * Throw-away forward passes, as llama.cpp's warm-up run: one decode step, then a 4-token batch (fewer if the batch
     * size is smaller). They touch every weight page and get the decode and prompt paths compiled, so the first prompt
     * is not run by a cold JIT and page cache. The batch step moves that cost from the first prompt into the load, the
     * two together as long as before: {@code kiln run -p Hello -n 4 -t 2}, four alternating rounds (2026-12-07, Zen 3), 1B
     * Q4_K_M file load 4.6-5.2 s and first prompt 0.14-0.16 s against 3.4-3.8 s and 1.2-1.7 s; Mistral 7B Q4_K_M
     * 11.6-13.3 s and 0.63-0.69 s against 9.9-10.4 s and 2.2-4.0 s. A server's first request and an embedding
     * application's first call no longer wait for the compiler.
     */
    private static void warmUp(Forward forward, LoadOptions options, HyperParams hp, int batchRows) {
        try (KvCache cache = forward.newCache(options.keyCacheType(), 1, 1)) {
            forward.forward(cache, Batch.single(0, 0, 0), new float[hp.vocabSize()]);
        }
        int tokens = Math.min(WARM_UP_BATCH, batchRows);
        if (tokens > 1) {
            try (KvCache cache = forward.newCache(options.keyCacheType(), 1, tokens)) {
                forward.forward(cache, Batch.ofSequence(0, 0, new int[tokens], 0, tokens, false),
                        new float[hp.vocabSize()]);
            }
        }
    }

    /** Tokens of the warm-up batch: one block of the batched integer kernels (Q8Activations.TOKEN_BLOCK). */
    private static final int WARM_UP_BATCH = 4;

    /**
     * Opens the accelerator. When it was picked automatically and fails to open (e.g. a driver that refuses the
     * kernels), that is a warning and every layer runs on the CPU, as without a usable GPU; a backend named with
     * {@code --backend} must open.
     */
    static Optional<Backend> openAccelerator(BackendProvider provider, LoadOptions options) {
        try {
            return Optional.of(provider.open(options.backendConfig()));
        } catch (BackendException e) {
            if (!options.accelerator().isEmpty()) {
                throw e;
            }
            LOG.warn("{} did not open ({}): every layer runs on the CPU", provider.name(), e.getMessage());
            return Optional.empty();
        }
    }

    private static Optional<BackendProvider> accelerator(LoadOptions options) {
        if (!options.accelerator().isEmpty() && !options.accelerator().equals("cpu")) {
            BackendProvider p = Backends.named(options.accelerator()).orElseThrow(() -> new BackendException(
                    "backend '" + options.accelerator() + "' is not on the class path"));
            var availability = p.probe();
            if (!availability.available()) {
                throw new BackendException("backend '" + p.name() + "' is not available: " + availability.reason());
            }
            return Optional.of(p);
        }
        if (options.accelerator().equals("cpu")) {
            return Optional.empty();
        }
        Optional<BackendProvider> best = Backends.bestAccelerator();
        if (best.isEmpty()) {
            LOG.info("no accelerator available: every layer runs on the CPU");
        }
        return best;
    }

    private static Placement place(GgufModel model, LoadOptions options, Backend accelerator, DeviceBudget budget) {
        HyperParams hp = model.hyperParams();
        int n = hp.blockCount();
        if (accelerator == null) {
            return Placement.cpuOnly(n);
        }
        Placement placement = options.gpuLayers() == Placement.AUTO ? budget.fit(accelerator.freeMemoryBytes())
                : Placement.gpuLayers(n, options.gpuLayers());
        Placement supported = supported(placement, hp, model.weights(), accelerator);
        if (!supported.equals(placement)) {
            LOG.info("{} cannot run some weight types or attention shapes of this model: those slots stay on the CPU",
                    accelerator.name());
        }
        return supported;
    }

    /** {@code placement} without the slots whose weight types or attention shape {@code accelerator} cannot run. */
    static Placement supported(Placement placement, HyperParams hp, ModelWeights w, Backend accelerator) {
        int n = hp.blockCount();
        return placement.restrictTo(slot -> tensorsOf(w, slot, n).stream()
                .allMatch(t -> t.info().rank() == 1 || accelerator.supports(t.type()))
                && (slot == n || accelerator.supports(Attention.of(hp, slot))));
    }

    private static List<TensorData> tensorsOf(ModelWeights w, int slot, int blockCount) {
        if (slot < blockCount) {
            return w.layer(slot).all();
        }
        return List.of(w.outputNorm(), w.output());
    }

    private static void checkTypes(GgufModel model, Placement placement, Backend cpu, Backend accelerator) {
        ModelWeights w = model.weights();
        int n = model.hyperParams().blockCount();
        List<String> problems = new ArrayList<>();
        check(problems, cpu, List.of(w.tokenEmbd()));
        for (int slot = 0; slot <= n; slot++) {
            boolean off = slot < n ? placement.blockOffloaded(slot) : placement.outputOffloaded();
            check(problems, off ? accelerator : cpu, tensorsOf(w, slot, n));
        }
        if (!problems.isEmpty()) {
            throw new UnsupportedModelException("model " + model.file().name(), problems);
        }
    }

    private static void check(List<String> problems, Backend backend, List<TensorData> tensors) {
        for (TensorData t : tensors) {
            if (t.info().rank() > 1 && !backend.supports(t.type())) {
                problems.add("tensor " + t.name() + ": type " + t.type() + " is not supported by the " + backend.name() + " backend");
            }
        }
    }

}
