package dev.kiln.cuda.reference;

import dev.kiln.gguf.GgmlType;

import java.util.Objects;
import java.util.Set;

/**
 * Scalar dequantization of single weights in their GGUF block layout, written exactly as the CUDA kernels read
 * them ({@code quant.cuh}: {@code dq}). This is Kiln's own reading of ggml's block layouts (ggml-common.h), checked
 * against the dequantization vectors in the shared test data; it is the oracle for the kernels' integer paths.
 */
public final class Blocks {
    /** The weight types the CUDA kernels compute. */
    public static final Set<GgmlType> SUPPORTED = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.Q8_0,
            GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    private Blocks() {}

    static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    static float f16(byte[] b, int i) {
        return Float.float16ToFloat((short) ((b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8));
    }

    /** Weight {@code k} of the row starting at byte {@code row} of {@code data}. */
    public static float weight(GgmlType type, byte[] data, int row, int k) {
        int blockStart = row + (k / type.blockSize()) * type.bytesPerBlock();
        int i = k % type.blockSize();
        return switch (type) {
            case F32 -> Float.intBitsToFloat((u8(data, row + 4 * k)) | u8(data, row + 4 * k + 1) << 8
                    | u8(data, row + 4 * k + 2) << 16 | u8(data, row + 4 * k + 3) << 24);
            case F16 -> f16(data, row + 2 * k);
            case Q4_0 -> q4_0(data, blockStart, i);
            case Q8_0 -> f16(data, blockStart) * (float) data[blockStart + 2 + i];
            case Q4_K -> q4_k(data, blockStart, i);
            case Q5_K -> q5_k(data, blockStart, i);
            case Q6_K -> q6_k(data, blockStart, i);
            case Q2_K -> q2_k(data, blockStart, i);
            case Q3_K -> q3_k(data, blockStart, i);
            default -> throw new IllegalArgumentException("CUDA kernels do not compute " + type);
        };
    }

    /** Every weight of one row of {@code cols} weights starting at byte {@code row}. */
    public static float[] row(GgmlType type, byte[] data, int row, int cols) {
        Objects.checkFromIndexSize(row, (int) type.byteSize(cols), data.length);
        float[] out = new float[cols];
        for (int k = 0; k < cols; k++) {
            out[k] = weight(type, data, row, k);
        }
        return out;
    }

    // block: f16 d, u8 qs[16] (18 bytes / 32): low nibbles weights 0..15, high nibbles 16..31, w = d * (q - 8)
    private static float q4_0(byte[] b, int s, int i) {
        int v = i < 16 ? (u8(b, s + 2 + i) & 0xF) : (u8(b, s + 2 + i - 16) >> 4);
        return f16(b, s) * (float) (v - 8);
    }

    /** Six-bit scale (index 0) and min (index 1) of sub-block j of a Q4_K/Q5_K block (ggml get_scale_min_k4). */
    static int[] scaleMinK4(byte[] b, int scales, int j) {
        if (j < 4) {
            return new int[] {u8(b, scales + j) & 63, u8(b, scales + j + 4) & 63};
        }
        return new int[] {(u8(b, scales + j + 4) & 0xF) | ((u8(b, scales + j - 4) >> 6) << 4),
                (u8(b, scales + j + 4) >> 4) | ((u8(b, scales + j) >> 6) << 4)};
    }

    // block: f16 d, f16 dmin, u8 scales[12], u8 qs[128] (144 bytes / 256)
    private static float q4_k(byte[] b, int s, int i) {
        int c = i / 64, hi = (i % 64) >= 32 ? 1 : 0, l = i % 32;
        int[] sm = scaleMinK4(b, s + 4, 2 * c + hi);
        int by = u8(b, s + 16 + 32 * c + l);
        int q = hi == 1 ? by >> 4 : by & 0xF;
        return f16(b, s) * (float) sm[0] * (float) q - f16(b, s + 2) * (float) sm[1];
    }

    // block: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128] (176 bytes / 256)
    private static float q5_k(byte[] b, int s, int i) {
        int c = i / 64, hi = (i % 64) >= 32 ? 1 : 0, l = i % 32;
        int[] sm = scaleMinK4(b, s + 4, 2 * c + hi);
        int by = u8(b, s + 48 + 32 * c + l);
        int q = (hi == 1 ? by >> 4 : by & 0xF) | (((u8(b, s + 16 + l) >> (2 * c + hi)) & 1) << 4);
        return f16(b, s) * (float) sm[0] * (float) q - f16(b, s + 2) * (float) sm[1];
    }

    // block: u8 ql[128], u8 qh[64], s8 scales[16], f16 d (210 bytes / 256)
    private static float q6_k(byte[] b, int s, int i) {
        int h = i / 128, r = i % 128, kk = r / 32, l = r % 32;
        int by = u8(b, s + 64 * h + 32 * (kk % 2) + l);
        int lo = kk < 2 ? by & 0xF : by >> 4;
        int q = lo | (((u8(b, s + 128 + 32 * h + l) >> (2 * kk)) & 3) << 4);
        return f16(b, s + 208) * (float) b[s + 192 + i / 16] * (float) (q - 32);
    }

    // block: u8 scales[16], u8 qs[64], f16 d, f16 dmin (84 bytes / 256)
    private static float q2_k(byte[] b, int s, int i) {
        int h = i / 128, j = (i % 128) / 32, l = i % 32;
        int q = (u8(b, s + 16 + 32 * h + l) >> (2 * j)) & 3, sc = u8(b, s + i / 16);
        return f16(b, s + 80) * (float) (sc & 15) * (float) q - f16(b, s + 82) * (float) (sc >> 4);
    }

    /** Signed scale {@code i} (0..15) of a Q3_K block: six bits split over the 12 scale bytes, minus 32. */
    static int q3kScale(byte[] b, int scales, int i) {
        int low = i < 8 ? u8(b, scales + i) & 0xF : u8(b, scales + i - 8) >> 4;
        int high = (u8(b, scales + 8 + i % 4) >> (2 * (i / 4))) & 3;
        return (low | high << 4) - 32;
    }

    // block: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d (110 bytes / 256)
    private static float q3_k(byte[] b, int s, int i) {
        int h = i / 128, j = (i % 128) / 32, l = i % 32;
        int q = ((u8(b, s + 32 + 32 * h + l) >> (2 * j)) & 3) - (((u8(b, s + l) >> (4 * h + j)) & 1) == 1 ? 0 : 4);
        return f16(b, s + 108) * (float) q3kScale(b, s + 96, i / 16) * (float) q;
    }
}
