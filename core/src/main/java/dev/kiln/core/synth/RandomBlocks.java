package dev.kiln.core.synth;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Random tensor contents that are valid for each type's block layout (ggml-common.h) and dequantize to values
 * of a chosen standard deviation with mean about zero, so that a forward pass over them stays numerically sane.
 *
 * <p>Quantized blocks are random bytes (every bit pattern of the quants and of the packed 4/6-bit sub-block
 * scales is valid) whose f16 super-block scale {@code d} (and {@code dmin}) is then overwritten with a finite
 * value: {@code d = std / unit * (0.5 .. 1.5)}, where {@code unit} is the standard deviation of the dequantized
 * value for {@code d = 1} with uniformly random fields, and {@code dmin = d * E[scale]E[q] / E[min]} so that a
 * block's mean is about zero. F32/F16 values are triangular on {@code ±std·√6} (variance std²).
 *
 * <p>Deterministic: the same seed gives the same bytes. SplitMix64 random numbers, 8 bytes per step.
 */
final class RandomBlocks {

    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Where a type keeps its f16 scales, and the statistics of its dequantized values for d = 1.
     *
     * @param dOffset    byte offset of {@code d} in the block
     * @param dminOffset byte offset of {@code dmin}, -1 without one
     * @param unit       standard deviation of a dequantized value for d = 1 (and dmin = minRatio)
     * @param minRatio   dmin / d that centres the values (E[scale]·E[q] / E[min])
     */
    record Layout(int dOffset, int dminOffset, double unit, double minRatio) {
    }

    static Layout layout(GgmlType type) {
        return switch (type) {
            // q int8 uniform in [-128, 127]: sqrt(E[q^2]) = 73.9
            case Q8_0 -> new Layout(0, -1, 73.9, 0);
            // (q - 8), q in 0..15: sqrt(21.5) = 4.64
            case Q4_0 -> new Layout(0, -1, 4.64, 0);
            // d*sc*q - dmin*m, sc, m in 0..15, q in 0..3: dmin = 1.5 d; var 144.7 + 2.25*21.25 -> 13.9
            case Q2_K -> new Layout(80, 82, 13.9, 1.5);
            // d*(sc-32)*q, sc in 0..63, q in -4..3: sqrt(341.5 * 5.5) = 43.3
            case Q3_K -> new Layout(108, -1, 43.3, 0);
            // d*sc*q - dmin*m, sc, m in 0..63, q in 0..15: dmin = 7.5 d; var 47532 + 56.25*331.25 -> 257
            case Q4_K -> new Layout(0, 2, 257, 7.5);
            // q in 0..31: dmin = 15.5 d; var 195666 + 240.25*331.25 -> 525
            case Q5_K -> new Layout(0, 2, 525, 15.5);
            // d*sc*(q-32), sc int8, q in 0..63: sqrt(5461.5 * 341.5) = 1366
            case Q6_K -> new Layout(208, -1, 1366, 0);
            default -> throw new IllegalArgumentException("synth cannot generate " + type + " blocks");
        };
    }

    private final GgmlType type;
    private final double std;
    private final Layout layout;
    private long state;

    RandomBlocks(GgmlType type, double std, long seed) {
        this.type = type;
        this.std = std;
        this.layout = type == GgmlType.F32 || type == GgmlType.F16 ? null : layout(type);
        this.state = seed;
    }

    /** True for the types this class can generate. */
    static boolean supports(GgmlType type) {
        return switch (type) {
            case F32, F16, Q8_0, Q4_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /** Fills {@code dst[0, blocks * bytesPerBlock)} with {@code blocks} random blocks (elements for F32/F16). */
    void fill(MemorySegment dst, long blocks) {
        switch (type) {
            case F32 -> {
                double a = std * Math.sqrt(6) / 2;
                for (long i = 0; i < blocks; i++) {
                    dst.set(F32, i * 4, (float) (triangular() * a));
                }
            }
            case F16 -> {
                double a = std * Math.sqrt(6) / 2;
                for (long i = 0; i < blocks; i++) {
                    dst.set(F16, i * 2, Float.floatToFloat16((float) (triangular() * a)));
                }
            }
            default -> fillQuantized(dst, blocks);
        }
    }

    private void fillQuantized(MemorySegment dst, long blocks) {
        long bytes = blocks * type.bytesPerBlock();
        long words = bytes / 8;
        for (long i = 0; i < words; i++) {
            dst.set(U64, i * 8, next());
        }
        for (long i = words * 8; i < bytes; i++) {
            dst.set(ValueLayout.JAVA_BYTE, i, (byte) next());
        }
        double base = std / layout.unit();
        int bpb = type.bytesPerBlock();
        for (long b = 0; b < blocks; b++) {
            long r = next();
            double jitter = 0.5 + (r >>> 11) * 0x1.0p-53;           // 0.5 .. 1.5
            float d = (float) (base * jitter);
            long at = b * bpb;
            dst.set(F16, at + layout.dOffset(), Float.floatToFloat16(d));
            if (layout.dminOffset() >= 0) {
                double minJitter = 0.9 + 0.2 * ((r & 0xFFFF) / 65536.0);   // 0.9 .. 1.1
                dst.set(F16, at + layout.dminOffset(), Float.floatToFloat16((float) (d * layout.minRatio() * minJitter)));
            }
        }
    }

    /** Triangular on [-2, 2) with variance 2/3: sum of two uniforms on [-1, 1). Scaled by std·√6/2 -> std. */
    private double triangular() {
        long r = next();
        double u1 = (r >>> 40) * 0x1.0p-24;
        double u2 = ((r >>> 16) & 0xFF_FFFF) * 0x1.0p-24;
        return (u1 - 0.5) * 2 + (u2 - 0.5) * 2;
    }

    /** SplitMix64 (Steele, Lea, Flood 2014). */
    private long next() {
        long z = (state += 0x9E37_79B9_7F4A_7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /** Mixes a seed with a tensor name, so each tensor's contents depend only on (seed, name). */
    static long seedFor(long seed, String name) {
        long h = seed * 0x9E37_79B9_7F4A_7C15L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100_0000_01B3L;
        }
        return h ^ (h >>> 29);
    }
}
