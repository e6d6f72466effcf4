package dev.kiln.cuda.reference;

/**
 * The 8-bit activation format of the dp4a mat-vec kernels ({@code common.cuh}: {@code quantize_lane_q8x}): per 32
 * floats one scale d = max|x| / 127 and 32 int8 q = round-half-even(x * (1 / d)), computed in float as the kernel does.
 *
 * @param q  int8 [n]
 * @param d  scales [n / 32]
 */
public record Q8x(byte[] q, float[] d) {

    /** Quantizes x [n], n a multiple of 32. */
    public static Q8x of(float[] x) {
        if (x.length % 32 != 0) {
            throw new IllegalArgumentException("q8x needs a multiple of 32 floats, got " + x.length);
        }
        byte[] q = new byte[x.length];
        float[] d = new float[x.length / 32];
        for (int b = 0; b < d.length; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[32 * b + i]));
            }
            float scale = amax / 127.0f;
            float inv = scale > 0 ? 1.0f / scale : 0.0f;
            d[b] = scale;
            for (int i = 0; i < 32; i++) {
                q[32 * b + i] = (byte) (int) Math.rint(x[32 * b + i] * inv);
            }
        }
        return new Q8x(q, d);
    }

    /** The floats this format stands for: q[i] * d[i / 32]. */
    public float[] dequantize() {
        float[] x = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            x[i] = q[i] * d[i / 32];
        }
        return x;
    }
}
