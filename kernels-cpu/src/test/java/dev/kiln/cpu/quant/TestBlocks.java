package dev.kiln.cpu.quant;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Random;

/** Public door to {@link RandomBlocks} for tests in other packages. */
public final class TestBlocks {
    private TestBlocks() {}

    /** {@code n} weights of random blocks with finite scales. */
    public static MemorySegment random(GgmlType type, int n, Random random) {
        return RandomBlocks.generate(type, n, 0, RandomBlocks.Kind.RANDOM, random);
    }
}
