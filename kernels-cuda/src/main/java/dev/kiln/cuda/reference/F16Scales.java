package dev.kiln.cuda.reference;

/**
 * The prefill's F16 activations (ops.cu {@code f16_scales}, {@code f32_to_f16_scaled}, {@code scale_rows}; matmul.cu
 * {@code mmw_*}): F16 holds at most 65504, and an activation row with larger values (ffn_down's input in a model with
 * outliers) would turn into inf and then NaN. Each token's row is divided by the smallest power of two s that brings
 * max|x| to at most 65504 (s = 1 for a row that fits, or that is not finite), multiplied in F16 and the F32 result
 * multiplied by s again. Powers of two make both steps exact, so a row that fits is computed exactly as before.
 */
public final class F16Scales {
    /** The largest finite F16. */
    public static final float F16_MAX = 65504f;

    private F16Scales() {}

    /** scales [tokens] for x [tokens][cols]. */
    public static float[] of(float[] x, int cols, int tokens) {
        float[] scales = new float[tokens];
        for (int t = 0; t < tokens; t++) {
            float amax = 0;
            for (int i = 0; i < cols; i++) {
                amax = Math.max(amax, Math.abs(x[t * cols + i]));
            }
            float s = 1f;
            if (amax > F16_MAX && amax <= Float.MAX_VALUE) {
                s = (float) Math.pow(2, Math.ceil(Math.log(amax / F16_MAX) / Math.log(2)));
                while (amax / s > F16_MAX) {
                    s *= 2;
                }
            }
            scales[t] = s;
        }
        return scales;
    }

    /** x [tokens][cols] as F16 after dividing row t by scales[t] (round to nearest even), back as floats. */
    public static float[] toF16(float[] x, float[] scales, int cols) {
        float[] h = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            h[i] = Float.float16ToFloat(Float.floatToFloat16(x[i] / scales[i / cols]));
        }
        return h;
    }

    /**
     * y [tokens][rows] = scales[t] * sum_k f16(w[r][k]) * f16(x[t][k] / scales[t]), accumulated in double (the GEMMs
     * accumulate in F32; their order is not the reference's concern, the operands are).
     *
     * @param w [rows][cols] weights (already dequantized)
     */
    public static float[] product(float[] w, int rows, float[] x, int cols, int tokens, boolean scaled) {
        float[] scales = scaled ? of(x, cols, tokens) : ones(tokens);
        float[] xh = toF16(x, scales, cols);
        float[] y = new float[tokens * rows];
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < rows; r++) {
                double acc = 0;
                for (int k = 0; k < cols; k++) {
                    acc += (double) Float.float16ToFloat(Float.floatToFloat16(w[r * cols + k])) * xh[t * cols + k];
                }
                y[t * rows + r] = (float) acc * scales[t];
            }
        }
        return y;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
