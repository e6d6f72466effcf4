package dev.kiln.server;

/**
 * How {@code kiln serve} listens and schedules; defaults follow llama-server.
 *
 * @param apiKey          null: no authentication; else every {@code /v1/*} request needs {@code Authorization: Bearer KEY}
 * @param alias           the model id in responses and {@code /v1/models}; null: the model's own name
 * @param batchSize       {@code -b}: rows per forward pass (prompt chunks fill what decoding leaves)
 * @param queueCapacity   requests that may wait for a free slot; more get 503
 * @param maxBodyBytes    larger request bodies get 413
 * @param reasoningBudget {@code --reasoning-budget}: -1 unlimited, 0 no thinking, N thinking tokens at most
 * @param idleTimeoutMillis connection idle timeout (llama-server's {@code --timeout}, 600 s)
 * @param webui           whether {@code GET /} serves the chat page (llama-server's {@code --no-webui} turns it off)
 */
public record ServerConfig(String host, int port, String apiKey, String alias, int batchSize, int queueCapacity,
                           long maxBodyBytes, int reasoningBudget, long idleTimeoutMillis, boolean webui) {

    public ServerConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535, got " + port);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("-b must be at least 1, got " + batchSize);
        }
        if (reasoningBudget < -1) {
            throw new IllegalArgumentException("--reasoning-budget must be -1, 0 or a positive count, got " + reasoningBudget);
        }
    }

    /** With the chat page on (the default, as llama-server's). */
    public ServerConfig(String host, int port, String apiKey, String alias, int batchSize, int queueCapacity,
                        long maxBodyBytes, int reasoningBudget, long idleTimeoutMillis) {
        this(host, port, apiKey, alias, batchSize, queueCapacity, maxBodyBytes, reasoningBudget, idleTimeoutMillis, true);
    }

    /** llama-server's defaults: 127.0.0.1:8080, -b 2048 (the logical batch), no key. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8080, null, null, 2048, 64, 16L << 20, -1, 600_000, true);
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(host, p, apiKey, alias, batchSize, queueCapacity,
                maxBodyBytes, reasoningBudget, idleTimeoutMillis, webui);
    }

    public ServerConfig withApiKey(String key) {
        return new ServerConfig(host, port, key, alias, batchSize, queueCapacity,
                maxBodyBytes, reasoningBudget, idleTimeoutMillis, webui);
    }

    public ServerConfig withQueueCapacity(int q) {
        return new ServerConfig(host, port, apiKey, alias, batchSize, q,
                maxBodyBytes, reasoningBudget, idleTimeoutMillis, webui);
    }

    public ServerConfig withMaxBodyBytes(long b) {
        return new ServerConfig(host, port, apiKey, alias, batchSize, queueCapacity,
                b, reasoningBudget, idleTimeoutMillis, webui);
    }

    public ServerConfig withReasoningBudget(int r) {
        return new ServerConfig(host, port, apiKey, alias, batchSize, queueCapacity,
                maxBodyBytes, r, idleTimeoutMillis, webui);
    }

    public ServerConfig withBatchSize(int b) {
        return new ServerConfig(host, port, apiKey, alias, b, queueCapacity,
                maxBodyBytes, reasoningBudget, idleTimeoutMillis, webui);
    }

    public ServerConfig withWebui(boolean on) {
        return new ServerConfig(host, port, apiKey, alias, batchSize, queueCapacity, maxBodyBytes, reasoningBudget,
                idleTimeoutMillis, on);
    }
}
