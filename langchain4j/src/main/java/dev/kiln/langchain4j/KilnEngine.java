package dev.kiln.langchain4j;

import dev.kiln.core.LoadOptions;
import dev.kiln.server.LocalChat;
import dev.kiln.server.engine.EngineModels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A GGUF model loaded in this JVM, ready for {@link KilnChatModel}s: the weights, a KV cache of {@code parallel}
 * sequences of {@code contextSize / parallel} positions each, and the server's scheduler, which runs up to
 * {@code parallel} requests in one batched forward pass and reuses a conversation's cached prefix. Share one engine
 * between models and threads; close it once, after them.
 *
 * <pre>{@code
 * try (KilnEngine engine = KilnEngine.builder().modelPath(Path.of("model.gguf")).contextSize(8192).build()) {
 *     KilnChatModel model = KilnChatModel.builder().engine(engine).temperature(0.2).build();
 *     ...
 * }
 * }</pre>
 *
 * The JVM needs {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}.
 */
public final class KilnEngine implements AutoCloseable {

    private final LocalChat chat;

    KilnEngine(LocalChat chat) {
        this.chat = Objects.requireNonNull(chat, "chat");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model's name as responses report it (its file name). */
    public String modelName() {
        return chat.modelName();
    }

    /** Positions one request may use, prompt and reply together ({@code contextSize / parallel}). */
    public int contextPerRequest() {
        return chat.slotContext();
    }

    LocalChat chat() {
        return chat;
    }

    /** Ends requests still running (their callers get an error) and frees the model. */
    @Override
    public void close() {
        chat.close();
    }

    /** Settings with llama-server's names and defaults. */
    public static final class Builder {
        private Path modelPath;
        private int threads = Runtime.getRuntime().availableProcessors();
        private int contextSize = LoadOptions.DEFAULT_CONTEXT;
        private int parallel = 1;
        private int batchSize = LoadOptions.DEFAULT_BATCH;
        private int gpuLayers = 0;
        private int maxQueue = 64;
        private int reasoningBudget = -1;

        private Builder() {
        }

        /** The GGUF file (required). */
        public Builder modelPath(Path modelPath) {
            this.modelPath = modelPath;
            return this;
        }

        /** CPU threads ({@code -t}; default: every processor). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Positions of all requests together ({@code -c}; default 4096, capped at the model's context). */
        public Builder contextSize(int contextSize) {
            this.contextSize = contextSize;
            return this;
        }

        /** Requests served at once ({@code -np}; default 1), each with {@code contextSize / parallel} positions. */
        public Builder parallel(int parallel) {
            this.parallel = parallel;
            return this;
        }

        /** Prompt tokens per forward pass ({@code -b}; default 512). */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Layers to offload to a GPU ({@code -ngl}; default 0; needs {@code dev.kiln:kernels-cuda}). */
        public Builder gpuLayers(int gpuLayers) {
            this.gpuLayers = gpuLayers;
            return this;
        }

        /** Requests that may wait for a free slot before a call fails ({@code --max-queue}; default 64). */
        public Builder maxQueue(int maxQueue) {
            this.maxQueue = maxQueue;
            return this;
        }

        /** Thinking tokens allowed by default ({@code --reasoning-budget}): -1 unlimited (default), 0 none, N. */
        public Builder reasoningBudget(int reasoningBudget) {
            this.reasoningBudget = reasoningBudget;
            return this;
        }

        /**
         * Loads the model.
         *
         * @throws IllegalArgumentException a setting is out of range
         * @throws UncheckedIOException     the file cannot be read or is not a valid GGUF model
         */
        public KilnEngine build() {
            if (modelPath == null) {
                throw new IllegalArgumentException("modelPath: a GGUF model file is needed");
            }
            check(threads >= 1 && threads <= 1024, "threads", "1 to 1024", threads);
            check(contextSize >= 1, "contextSize", ">= 1", contextSize);
            check(parallel >= 1 && parallel <= 256, "parallel", "1 to 256", parallel);
            check(batchSize >= 1, "batchSize", ">= 1", batchSize);
            check(gpuLayers >= -1, "gpuLayers", ">= 0, or -1 for auto", gpuLayers);
            check(maxQueue >= 0 && maxQueue <= 65_536, "maxQueue", "0 to 65536", maxQueue);
            check(reasoningBudget >= -1, "reasoningBudget", "-1, 0 or a positive count", reasoningBudget);
            LoadOptions options = LoadOptions.defaults().withThreads(threads).withGpuLayers(gpuLayers)
                    .withContextSize(contextSize).withBatchSize(Math.min(batchSize, contextSize));
            try {
                var served = EngineModels.open(modelPath, options, contextSize, parallel);
                return new KilnEngine(new LocalChat(served, Math.min(batchSize, contextSize), maxQueue, reasoningBudget));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load " + modelPath + ": " + e.getMessage(), e);
            }
        }

        private static void check(boolean ok, String name, String range, int value) {
            if (!ok) {
                throw new IllegalArgumentException(name + ": expected " + range + ", found " + value);
            }
        }
    }
}
