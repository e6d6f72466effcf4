package dev.kiln.cpu.quant;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Random;

/**
 * Test blocks for every supported type: random quant bits with finite scales, extreme scales (fp16 max, subnormal,
 * zero, mixed signs) or all zeros. The scale fields are the only bytes that random bits could make non-finite.
 */
public final class RandomBlocks {
    private RandomBlocks() {}

    public enum Kind { RANDOM, EXTREME, ZERO }

    /** Byte offsets of the fp16 scale fields inside one block. */
    private static final Map<GgmlType, int[]> HALF_FIELDS = Map.ofEntries(
            Map.entry(GgmlType.Q4_0, new int[] {0}),
            Map.entry(GgmlType.Q4_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_0, new int[] {0}),
            Map.entry(GgmlType.Q5_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q8_0, new int[] {0}),
            Map.entry(GgmlType.IQ4_NL, new int[] {0}),
            Map.entry(GgmlType.Q2_K, new int[] {80, 82}),
            Map.entry(GgmlType.Q3_K, new int[] {108}),
            Map.entry(GgmlType.Q4_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q6_K, new int[] {208}));

    /** {@code n} weights (a multiple of the block size) of {@code type}, preceded by {@code pad} random bytes. */
    public static MemorySegment generate(GgmlType type, int n, int pad, Kind kind, Random random) {
        int size = pad + (int) type.byteSize(n);
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        byte[] padding = new byte[pad];
        random.nextBytes(padding);
        b.put(padding);
        switch (type) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    b.putFloat(kind == Kind.ZERO ? 0f : kind == Kind.EXTREME ? extremeFloat(random) : (float) random.nextGaussian());
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort(half(kind, random));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    float f = kind == Kind.ZERO ? 0f : kind == Kind.EXTREME ? extremeFloat(random) : (float) random.nextGaussian();
                    b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
                }
            }
            default -> {
                int[] halves = HALF_FIELDS.get(type);
                if (halves == null) {
                    throw new IllegalArgumentException("no test blocks for " + type);
                }
                byte[] block = new byte[type.bytesPerBlock()];
                for (int blk = 0; blk < n / type.blockSize(); blk++) {
                    if (kind != Kind.ZERO) {
                        random.nextBytes(block);
                    }
                    ByteBuffer bb = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
                    for (int h : halves) {
                        bb.putShort(h, half(kind, random));
                    }
                    b.put(block);
                }
            }
        }
        return MemorySegment.ofArray(b.array());
    }

    private static short half(Kind kind, Random random) {
        return switch (kind) {
            case ZERO -> 0;
            case RANDOM -> Float.floatToFloat16((float) (random.nextGaussian() * 0.05));
            case EXTREME -> Float.floatToFloat16(switch (random.nextInt(5)) {
                case 0 -> 65504f;
                case 1 -> -65504f;
                case 2 -> 5.9604645e-8f; // smallest subnormal half
                case 3 -> 0f;
                default -> -6.1035156e-5f; // smallest normal half
            });
        };
    }

    private static float extremeFloat(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 1e30f;
            case 1 -> -3e-39f; // float32 subnormal
            case 2 -> 0f;
            default -> (float) random.nextGaussian() * 1e20f;
        };
    }

    /** Activations: standard normal floats. */
    public static float[] activations(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
