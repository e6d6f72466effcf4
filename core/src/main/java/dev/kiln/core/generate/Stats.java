package dev.kiln.core.generate;

/**
 * Timings of one generation, as llama.cpp's {@code llama_perf_context_print}: prompt processing (all prompt chunks)
 * and generation (sampling plus one forward pass per generated token).
 */
public record Stats(int promptTokens, long promptNanos, int generatedTokens, long generationNanos) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    public double generationTokensPerSecond() {
        return generationNanos == 0 ? 0 : generatedTokens * 1e9 / generationNanos;
    }

    public double promptMillis() {
        return promptNanos / 1e6;
    }

    public double generationMillis() {
        return generationNanos / 1e6;
    }

    /** Two lines in llama.cpp's style, for stderr. */
    public String summary() {
        return String.format("prompt:     %6d tokens in %9.2f ms (%8.2f tokens/s)%ngeneration: %6d tokens in %9.2f ms (%8.2f tokens/s)",
                promptTokens, promptMillis(), promptTokensPerSecond(), generatedTokens, generationMillis(),
                generationTokensPerSecond());
    }
}
