package dev.kiln.core;

import dev.kiln.core.generate.Generation;
import dev.kiln.core.generate.Stats;
import dev.kiln.core.generate.StopReason;

/** The result of {@link Session#generate} or {@link Session#chat}: the generated text, its ids, why it stopped, timings. */
public record Completion(String text, Generation generation) {

    public int[] tokens() {
        return generation.tokens();
    }

    public StopReason stopReason() {
        return generation.stopReason();
    }

    public Stats stats() {
        return generation.stats();
    }
}
