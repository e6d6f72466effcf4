package dev.kiln.core.spi;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.arch.RopeScaling;
import dev.kiln.core.arch.RopeScalingType;

/**
 * Rotary position embedding as one table of per-pair frequencies plus a magnitude, so every backend applies the
 * same math: for pair {@code i} at position {@code p}, {@code θ = p · frequencies[i]} and
 * <pre>  x_a' = m·(x_a cos θ − x_b sin θ),  x_b' = m·(x_a sin θ + x_b cos θ)</pre>
 * where (a, b) = (2i, 2i+1) for {@link RopePairing#NORMAL} and (i, i + dimensions/2) for {@link RopePairing#NEOX};
 * elements at or beyond {@code dimensions} are not rotated. This folds llama.cpp's {@code rope_yarn}: YaRN blends
 * θ_interp = θ_extrap/factor with θ_extrap by a ramp over the pair index, which is linear in p, so one frequency per
 * pair suffices; linear scaling is the ramp-free case.
 *
 * @param dimensions  rotated elements per head (n_rot)
 * @param frequencies [dimensions/2] radians per position
 * @param magnitude   m (YaRN attention factor; 1 without YaRN)
 */
public record Rope(int dimensions, RopePairing pairing, double[] frequencies, float magnitude) {

    public Rope {
        if (frequencies.length != dimensions / 2) {
            throw new IllegalArgumentException("rope: " + frequencies.length + " frequencies for " + dimensions + " dimensions");
        }
        frequencies = frequencies.clone();
    }

    @Override
    public double[] frequencies() {
        return frequencies.clone();
    }

    public double frequency(int pair) {
        return frequencies[pair];
    }

    /** The rope of a model, from its hyperparameters (llama.cpp's ggml_rope_ext with the model's YaRN settings). */
    public static Rope of(HyperParams hp) {
        int n = hp.ropeDimensionCount();
        double base = hp.ropeFreqBase();
        RopeScaling s = hp.ropeScaling();
        double freqScale = s.type() == RopeScalingType.NONE ? 1.0 : 1.0 / s.factor();
        double ext = s.type() == RopeScalingType.YARN ? s.extFactor() : 0.0;
        double low = 0;
        double high = 0;
        if (ext != 0) {
            low = Math.max(0, Math.floor(correctionDim(n, s.betaFast(), base, s.originalContextLength())));
            high = Math.min(n - 1, Math.ceil(correctionDim(n, s.betaSlow(), base, s.originalContextLength())));
        }
        double[] freqs = new double[n / 2];
        for (int i = 0; i < n / 2; i++) {
            double extrapolated = Math.pow(base, -2.0 * i / n);
            double mix = 0;
            if (ext != 0) {
                double y = (i - low) / Math.max(0.001, high - low);
                mix = (1 - Math.min(1, Math.max(0, y))) * ext;
            }
            freqs[i] = extrapolated * (freqScale * (1 - mix) + mix);
        }
        double m = s.attnFactor();
        if (s.type() == RopeScalingType.YARN && ext != 0) {
            double yarn = yarnMagnitude(s.factor(), 1.0);
            if (s.logMultiplier() != 0) {
                yarn = yarn / yarnMagnitude(s.factor(), s.logMultiplier());
            }
            m *= yarn;
        }
        return new Rope(n, hp.architecture().ropePairing(), freqs, (float) m);
    }

    /** YaRN's s(f, k) = 1 + 0.1·k·ln f (1 for f ≤ 1). */
    private static double yarnMagnitude(double factor, double k) {
        return factor <= 1 ? 1.0 : 1.0 + 0.1 * k * Math.log(factor);
    }

    /** The pair index whose wavelength spans {@code originalContext / beta} turns: n·ln(ctx/(2πβ)) / (2·ln base). */
    private static double correctionDim(int n, double beta, double base, int originalContext) {
        return n * Math.log(originalContext / (beta * 2 * Math.PI)) / (2 * Math.log(base));
    }
}
