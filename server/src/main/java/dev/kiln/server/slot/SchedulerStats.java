package dev.kiln.server.slot;

/**
 * Counters for {@code /metrics}: slot occupancy, queue length, tokens and time spent in forward passes.
 *
 * @param generatedTokens completion tokens produced since start
 * @param promptTokens    prompt tokens evaluated (not counting reused ones)
 * @param cachedTokens    prompt tokens reused from slot caches
 * @param busySeconds     wall time of forward passes
 */
public record SchedulerStats(int slots, int slotsBusy, int queueLength, long steps, long generatedTokens,
                             long promptTokens, long cachedTokens, double busySeconds, long rejected) {

    /** Generated tokens per second of forward-pass time. */
    public double tokensPerSecond() {
        return busySeconds > 0 ? generatedTokens / busySeconds : 0;
    }
}
