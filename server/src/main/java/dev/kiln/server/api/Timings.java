package dev.kiln.server.api;

/**
 * How long one request's prompt and generation took ({@code timings}), as llama-server reports it beside
 * {@code usage}: {@code prompt_*} covers the prompt tokens evaluated (those not reused from the slot's cache,
 * {@code cache_n}) up to the first sampled token; {@code predicted_*} covers the rest of the generation, so its rates
 * count the {@code predicted_n - 1} tokens decoded after the first one (0 when there are none).
 */
public record Timings(int cacheN, int promptN, double promptMs, double promptPerTokenMs, double promptPerSecond,
                      int predictedN, double predictedMs, double predictedPerTokenMs, double predictedPerSecond) {

    /**
     * @param cached        prompt tokens reused from the cache
     * @param evaluated     prompt tokens evaluated
     * @param promptNanos   from the request's admission to its first sampled token
     * @param predicted     completion tokens
     * @param predictedNanos from the first sampled token to the last
     */
    public static Timings of(int cached, int evaluated, long promptNanos, int predicted, long predictedNanos) {
        double promptMs = promptNanos / 1e6;
        double predictedMs = predictedNanos / 1e6;
        int decoded = Math.max(0, predicted - 1);
        return new Timings(cached, evaluated, promptMs,
                evaluated > 0 ? promptMs / evaluated : 0, promptMs > 0 ? 1e3 * evaluated / promptMs : 0,
                predicted, predictedMs,
                decoded > 0 ? predictedMs / decoded : 0, decoded > 0 && predictedMs > 0 ? 1e3 * decoded / predictedMs : 0);
    }
}
