package dev.kiln.cpu.quant;

/**
 * Every tolerance the CPU kernel tests use, in one place.
 *
 * <ul>
 *   <li>{@link #DEQUANT_ULPS}: 0. The issue allows "exactly or within float32 rounding"; the scalar dequantizers
 *       use ggml's operation order ({@code (d*sc)*q}, {@code d1*q - m1}) and reproduce gguf-py's and ggml's values bit
 *       for bit for every type (checked: 13 x 2048 values in testdata/dequant, every synthetic sample), so any
 *       difference is a bug. The vector {@code decode} is held to the same standard against the scalar reference.</li>
 *   <li>{@link #DOT_RELATIVE}: a fast dot product sums in float32 in a different order (vector lanes, blocks) than the
 *       float64 reference. The error of a float32 sum of n terms is bounded by about n/lanes * 2^-24 * sum|w x|; for
 *       the longest rows tested (4096 weights, 4 lanes) that is 6e-5, and in practice it is a random walk, ~1e-6.
 *       2e-5 of sum|w x| is well above what correct kernels show and far below any decoding mistake (a wrong nibble,
 *       scale or offset changes the result by a sizeable fraction of sum|w x|).</li>
 * </ul>
 */
final class Tolerances {
    private Tolerances() {}

    static final int DEQUANT_ULPS = 0;

    static final double DOT_RELATIVE = 2e-5;

    /** True if {@code actual} is within {@link #DEQUANT_ULPS} float32 ulps of {@code expected}. */
    static boolean dequantClose(float expected, float actual) {
        if (Float.compare(expected, actual) == 0 || expected == actual) {
            return true;
        }
        float ulp = Math.max(Math.ulp(expected), Math.ulp(actual));
        return Math.abs(expected - actual) <= DEQUANT_ULPS * ulp;
    }
}
