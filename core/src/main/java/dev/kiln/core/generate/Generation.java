package dev.kiln.core.generate;

/** The outcome of {@link Generator#generate}: the generated ids (no end-of-generation token), why it stopped, timings. */
public record Generation(int[] tokens, StopReason stopReason, Stats stats) {

    public Generation {
        tokens = tokens.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }
}
