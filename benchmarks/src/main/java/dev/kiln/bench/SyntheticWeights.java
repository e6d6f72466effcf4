package dev.kiln.bench;

import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Weight matrices for benchmarks: random quant bits with small finite fp16 scales (random bits in a scale field
 * could be NaN or infinity, which would not change the speed but would make results meaningless), in off-heap
 * memory like a mapped GGUF file.
 */
final class SyntheticWeights {
    private SyntheticWeights() {}

    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Byte offsets of the fp16 fields in one block of each block-quantized type. */
    private static final Map<GgmlType, int[]> HALF_FIELDS = Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[] {0}), Map.entry(GgmlType.Q4_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_0, new int[] {0}), Map.entry(GgmlType.Q5_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q8_0, new int[] {0}), Map.entry(GgmlType.IQ4_NL, new int[] {0}),
            Map.entry(GgmlType.Q2_K, new int[] {80, 82}), Map.entry(GgmlType.Q3_K, new int[] {108}),
            Map.entry(GgmlType.Q4_K, new int[] {0, 2}), Map.entry(GgmlType.Q5_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q6_K, new int[] {208}));

    /** A [rows][cols] tensor of {@code type} (ggml shape {cols, rows}) allocated in {@code arena}. */
    static TensorData matrix(Arena arena, GgmlType type, int rows, int cols, long seed) {
        long size = type.byteSize((long) rows * cols);
        MemorySegment seg = arena.allocate(size, 64);
        SplittableRandom random = new SplittableRandom(seed);
        for (long i = 0; i + 8 <= size; i += 8) {
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        switch (type) {
            case F32 -> {
                for (long i = 0; i < size; i += 4) {
                    seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) (random.nextDouble() - 0.5));
                }
            }
            case F16 -> {
                for (long i = 0; i < size; i += 2) {
                    seg.set(HALF, i, Float.floatToFloat16((float) (random.nextDouble() - 0.5)));
                }
            }
            case BF16 -> {
                for (long i = 0; i < size; i += 2) {
                    seg.set(HALF, i, (short) (Float.floatToRawIntBits((float) (random.nextDouble() - 0.5)) >>> 16));
                }
            }
            default -> {
                int[] fields = HALF_FIELDS.get(type);
                if (fields == null) {
                    throw new IllegalArgumentException("no benchmark weights for " + type);
                }
                for (long block = 0; block < size; block += type.bytesPerBlock()) {
                    for (int f : fields) {
                        seg.set(HALF, block + f, Float.floatToFloat16((float) (random.nextDouble() * 0.01)));
                    }
                }
            }
        }
        return new TensorData(new TensorInfo("bench." + type, new long[] {cols, rows}, type, 0), seg);
    }
}
