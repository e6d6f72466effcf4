package dev.kiln.server;

/** llama-server's sampling defaults, used for every field a request leaves out and reported by {@code /props}. */
final class SamplingDefaults {

    static final double TEMPERATURE = 0.8;
    static final int TOP_K = 40;
    static final double TOP_P = 0.95;
    static final double MIN_P = 0.05;

    private SamplingDefaults() {
    }
}
