package dev.kiln.cli;

import dev.kiln.core.LoadOptions;
import dev.kiln.server.Server;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.server.model.ServedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code kiln serve [-m FILE] [--host 127.0.0.1] [--port 8080] [-c N] [-b N] [-ngl N] [-t N] [-np N] [--api-key KEY]
 * [--alias NAME] [--reasoning-budget N] [--no-webui]}: the OpenAI-compatible server and its chat page at {@code /}, a
 * drop-in for llama-server's command line (same flag names and defaults; without {@code -m}, the built-in demo model).
 * It listens first ({@code /health} is 503 while the model loads), prints one line when requests are served, and on
 * SIGINT/SIGTERM ends in-flight requests, stops listening and frees the model.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "OpenAI-compatible HTTP server (llama-server's flags) with a chat page at /: /v1/chat/completions, "
                + "/v1/completions, /v1/models, /props, /health, /metrics, /tokenize, /detokenize.")
final class ServeCommand implements Callable<Integer> {

    @Mixin
    EngineOptions engine;

    @Mixin
    TemplateOptions template;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N",
            description = "Slots: requests served at once, each with -c/N positions (default: ${DEFAULT-VALUE}).")
    int parallel = 1;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Require 'Authorization: Bearer KEY' on /v1/*.")
    String apiKey;

    @Option(names = {"-a", "--alias"}, paramLabel = "NAME", description = "Model name in responses (default: the file name).")
    String alias;

    @Option(names = "--reasoning-budget", paramLabel = "N",
            description = "Thinking tokens allowed: -1 unlimited, 0 no thinking, N closes the think block after N (default: ${DEFAULT-VALUE}).")
    int reasoningBudget = -1;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "Connection idle timeout (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds = 600;

    @Option(names = "--max-queue", paramLabel = "N",
            description = "Requests that may wait for a free slot; more get 503 (default: ${DEFAULT-VALUE}).")
    int maxQueue = 64;

    @Option(names = "--no-webui", description = "Do not serve the chat page at / (the API is unchanged).")
    boolean noWebui;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Waiting requests are held in a fixed array; more than this is a typo, not a plan. */
    static final int MAX_QUEUE = 65_536;
    /** Positions a slot needs at least (as {@link EngineModels} checks after loading). */
    static final int MIN_SLOT_CONTEXT = 8;

    @Override
    public Integer call() throws Exception {
        LoadOptions options = engine.toLoadOptions();
        if (parallel < 1 || parallel > 256) {
            throw new UsageException("-np/--parallel: expected 1 to 256, found " + parallel);
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--port: expected 0 to 65535, found " + port);
        }
        if (reasoningBudget < -1) {
            throw new UsageException("--reasoning-budget: expected -1, 0 or a positive count, found " + reasoningBudget);
        }
        if (timeoutSeconds < 1) {
            throw new UsageException("--timeout: expected >= 1 second, found " + timeoutSeconds);
        }
        if (maxQueue < 0 || maxQueue > MAX_QUEUE) {
            throw new UsageException("--max-queue: expected 0 to " + MAX_QUEUE + ", found " + maxQueue);
        }
        long perSlot = (long) engine.contextSize() / parallel;   // loading may lower -c further; checked again there
        if (perSlot < MIN_SLOT_CONTEXT) {
            throw new UsageException("-np/--parallel: -c " + engine.contextSize() + " over -np " + parallel + " leaves "
                    + perSlot + " positions per slot (at least " + MIN_SLOT_CONTEXT + "); raise -c or lower -np");
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new UsageException("--api-key: expected a non-empty key");
        }
        String templateSource = template.source();
        var templateVariables = template.variables();
        PrintWriter out = spec.commandLine().getOut();
        java.nio.file.Path file = engine.modelOrDemo(spec.commandLine().getErr(), "serve");
        ServerConfig config = serverConfig();
        String name = config.alias();
        Server server = Server.start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kiln-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        ServedModel model;
        try {
            // like llama-server's buffer sizes: what the GPU holds, part by part (nothing when every layer is on the CPU)
            model = EngineModels.open(file, options, engine.contextSize(), parallel, templateSource, templateVariables,
                    m -> m.describeDeviceMemory().ifPresent(line -> {
                        out.println("kiln serve: " + line);
                        out.flush();
                    }));
        } catch (Exception | Error e) {
            Runtime.getRuntime().removeShutdownHook(hook);
            server.close();
            throw e;
        }
        server.serve(model);
        out.println("kiln serve: listening on " + server.uri() + " (model " + (name != null ? name : model.name())
                + ", " + parallel + " slot" + (parallel == 1 ? "" : "s") + " of " + model.model().sequenceLength()
                + " tokens)");
        out.flush();
        stopped.await();
        return 0;
    }

    /** How the server listens, from the flags (validated by {@link #call()} first). */
    ServerConfig serverConfig() {
        String name = alias != null || engine.model != null ? alias : DemoModel.NAME;
        return new ServerConfig(host, port, apiKey, name, engine.batchSize(), maxQueue, 16L << 20,
                reasoningBudget, timeoutSeconds * 1000L, !noWebui);
    }
}
