package dev.kiln.cuda.reference;

/**
 * Rotary position embedding with ggml's YaRN (ggml-cpu/ops.cpp {@code rope_yarn}, {@code ggml_rope_yarn_corr_dims}):
 * pair p of the nDims rotated dimensions turns by theta = pos * freqBase^(-2p / nDims) / freqFactors[p], mixed between
 * interpolation (freqScale * theta) and extrapolation by a ramp over the correction dimensions, scaled by mscale
 * ({@link #cosSin}). The {@code rope} kernel of {@code ops.cu} takes the same rotation as a per-pair frequency table
 * and one magnitude ({@link #frequencies}, {@link #magnitude}, {@link #apply}), since the blend is linear in pos.
 *
 * @param nDims       rotated dimensions (even, at most headDim)
 * @param neox        pairing: false rotates (x[2p], x[2p+1]) (ggml mode 0), true (x[p], x[p + nDims/2]) (NEOX)
 * @param freqBase    rope.freq_base
 * @param freqScale   1 / rope.scaling.factor (1 when not scaled)
 * @param extFactor   YaRN extrapolation mix (0 disables YaRN)
 * @param attnFactor  magnitude scale of cos/sin (YaRN attention factor)
 * @param corr0       low correction dimension (see {@link #corrDims})
 * @param corr1       high correction dimension
 * @param freqFactors per-pair divisors [nDims / 2] (llama3-style rope_freqs), or null
 */
public record Rope(int nDims, boolean neox, float freqBase, float freqScale, float extFactor, float attnFactor,
                   float corr0, float corr1, float[] freqFactors) {

    /** Plain RoPE without scaling. */
    public static Rope plain(int nDims, boolean neox, float freqBase) {
        return new Rope(nDims, neox, freqBase, 1f, 0f, 1f, 0f, 0f, null);
    }

    /**
     * YaRN correction dimensions, as ggml_rope_yarn_corr_dims: the dimension at which the rotation count over the
     * original context equals beta, floored/ceiled and clamped to [0, nDims - 1].
     */
    public static float[] corrDims(int nDims, int nCtxOrig, float freqBase, float betaFast, float betaSlow) {
        float start = (float) Math.floor(corrDim(nDims, nCtxOrig, betaFast, freqBase));
        float end = (float) Math.ceil(corrDim(nDims, nCtxOrig, betaSlow, freqBase));
        return new float[] {Math.max(0, start), Math.min(nDims - 1, end)};
    }

    private static float corrDim(int nDims, int nCtxOrig, float nRot, float base) {
        return (float) (nDims * Math.log(nCtxOrig / (nRot * 2 * Math.PI)) / (2 * Math.log(base)));
    }

    /** cos and sin (times mscale) of pair p at position pos. */
    public float[] cosSin(int pos, int p) {
        float thetaScale = (float) Math.pow(freqBase, -2.0 / nDims);
        float thetaExtrap = pos * (float) Math.pow(thetaScale, p);
        if (freqFactors != null) {
            thetaExtrap /= freqFactors[p];
        }
        float thetaInterp = freqScale * thetaExtrap;
        float theta = thetaInterp;
        float mscale = attnFactor;
        if (extFactor != 0) {
            float y = (p - corr0) / Math.max(0.001f, corr1 - corr0);
            float rampMix = (1 - Math.min(1, Math.max(0, y))) * extFactor;
            theta = thetaInterp * (1 - rampMix) + thetaExtrap * rampMix;
            mscale *= 1 + 0.1f * (float) Math.log(1 / freqScale);
        }
        return new float[] {(float) Math.cos(theta) * mscale, (float) Math.sin(theta) * mscale};
    }

    /** The per-pair frequency table the kernel reads: theta(pos, p) = pos * frequencies[p]. [nDims / 2] */
    public float[] frequencies() {
        float[] f = new float[nDims / 2];
        float thetaScale = (float) Math.pow(freqBase, -2.0 / nDims);
        for (int p = 0; p < f.length; p++) {
            float extrap = (float) Math.pow(thetaScale, p) / (freqFactors == null ? 1f : freqFactors[p]);
            float mix = 0;
            if (extFactor != 0) {
                float y = (p - corr0) / Math.max(0.001f, corr1 - corr0);
                mix = (1 - Math.min(1, Math.max(0, y))) * extFactor;
            }
            f[p] = extrap * (freqScale * (1 - mix) + mix);
        }
        return f;
    }

    /** The scale of cos and sin: attnFactor, times 1 + 0.1 ln(1 / freqScale) with YaRN. */
    public float magnitude() {
        return extFactor != 0 ? attnFactor * (1 + 0.1f * (float) Math.log(1 / freqScale)) : attnFactor;
    }

    /** Rotates x [heads][headDim] in place for one token at position pos, as the kernel does (table form). */
    public void apply(float[] x, int heads, int headDim, int pos) {
        apply(x, heads, headDim, nDims, neox, pos, frequencies(), magnitude());
    }

    /** The kernel's arithmetic: x [heads][headDim], pair p turns by (float) pos * freqs[p], scaled by magnitude. */
    public static void apply(float[] x, int heads, int headDim, int nDims, boolean neox, int pos, float[] freqs, float magnitude) {
        for (int h = 0; h < heads; h++) {
            for (int p = 0; p < nDims / 2; p++) {
                float theta = (float) pos * freqs[p];
                float[] cs = {(float) Math.cos(theta) * magnitude, (float) Math.sin(theta) * magnitude};
                int i0 = h * headDim + (neox ? p : 2 * p), i1 = h * headDim + (neox ? p + nDims / 2 : 2 * p + 1);
                float x0 = x[i0], x1 = x[i1];
                x[i0] = x0 * cs[0] - x1 * cs[1];
                x[i1] = x0 * cs[1] + x1 * cs[0];
            }
        }
    }
}
