package dev.kiln.cuda.reference;

import dev.kiln.gguf.GgmlType;

import java.util.Random;

/** Random quantized rows with finite, moderate fp16 scales, for layout tests that need more than the test data's rows. */
public final class RandomBlocks {
    private RandomBlocks() {}

    /** rows x cols weights of {@code type}, rows back to back. */
    public static byte[] of(GgmlType type, int rows, int cols, Random random) {
        byte[] data = new byte[(int) type.byteSize((long) rows * cols)];
        random.nextBytes(data);
        int blocks = data.length / type.bytesPerBlock();
        for (int b = 0; b < blocks; b++) {
            int s = b * type.bytesPerBlock();
            for (int at : scaleOffsets(type)) {
                putF16(data, s + at, (random.nextFloat() * 2 - 0.5f) * 0.01f);
            }
        }
        return data;
    }

    private static int[] scaleOffsets(GgmlType type) {
        return switch (type) {
            case Q4_0, Q8_0 -> new int[] {0};
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case Q2_K -> new int[] {80, 82};
            case Q3_K -> new int[] {108};
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    private static void putF16(byte[] b, int i, float v) {
        short h = Float.floatToFloat16(v);
        b[i] = (byte) h;
        b[i + 1] = (byte) (h >> 8);
    }

    public static float[] floats(int n, Random random) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
