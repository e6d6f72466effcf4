package dev.kiln.core.arch;

/**
 * RoPE scaling as read from {@code <arch>.rope.scaling.*}. {@code factor} is the context multiplier (frequency
 * scale = 1/factor); the YaRN fields follow llama.cpp's {@code llama_hparams}: {@code extFactor} (0 = no ramp),
 * {@code betaFast}/{@code betaSlow} (correction range, defaults 32/1), {@code logMultiplier} (mistral3's
 * {@code yarn_log_multiplier}, 0 when not read) and {@code attnFactor} ({@code rope.scaling.attn_factor}, default 1).
 */
public record RopeScaling(RopeScalingType type, float factor, int originalContextLength, float extFactor,
                          float attnFactor, float betaFast, float betaSlow, float logMultiplier) {

    public static final RopeScaling NONE = new RopeScaling(RopeScalingType.NONE, 1f, 0, 0f, 1f, 32f, 1f, 0f);

    /** 1/factor: the multiplier llama.cpp applies to interpolated frequencies. */
    public float frequencyScale() {
        return 1f / factor;
    }
}
