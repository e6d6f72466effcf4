package dev.kiln.cpu.quant;

/**
 * Every tolerance the CPU kernel tests use, in one place.
 *
 * <ul>
 *   <li>{@link #DEQUANT_ULPS}: the reference dequantizers (gguf-py numpy, ggml's to_float) compute in float32 with the
 *       same formula but may group the products differently ({@code (d*sc)*q} vs {@code d*(sc*q)}) and numpy may fuse
 *       nothing where Java rounds each step; each regrouping costs at most one rounding, so a correct dequantizer is
 *       within 2 units in the last place of the expected value (usually exact).</li>
 *   <li>{@link #DOT_RELATIVE}: a fast dot product sums in float32 in a different order (vector lanes, blocks) than the
 *       float64 reference. The error of a float32 sum of n terms is bounded by about n/lanes * 2^-24 * sum|w x|; for
 *       the longest rows tested (4096 weights, 4 lanes) that is 6e-5, and in practice it is a random walk, ~1e-6.
 *       2e-5 of sum|w x| is well above what correct kernels show and far below any decoding mistake (a wrong nibble,
 *       scale or offset changes the result by a sizeable fraction of sum|w x|).</li>
 * </ul>
 */
final class Tolerances {
    private Tolerances() {}

    static final int DEQUANT_ULPS = 2;

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
