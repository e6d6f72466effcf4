package dev.kiln.cpu.packed;

import dev.kiln.cpu.quant.RandomBlocks;
import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.util.Random;

final class TestBlocksAccess {
    private TestBlocksAccess() {}

    static MemorySegment random(GgmlType type, int rows, int cols, Random random) {
        return RandomBlocks.generate(type, rows * cols, 0, RandomBlocks.Kind.RANDOM, random);
    }
}
