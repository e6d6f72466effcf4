package dev.kiln.core.arch;

/** Optional pieces of the decoder block an architecture switches on; {@link dev.kiln.core.graph.Forward} has one plain branch per feature. */
public enum Feature {
    /** Biases on the Q/K/V projections (qwen2). */
    QKV_BIAS,
    /** Per-head RMSNorm of q and k before RoPE (qwen3). */
    QK_NORM,
    /** Llama-4 style attention temperature tuning: queries scaled by {@code 1 + s·ln(1 + floor(p / n))} (mistral3). */
    ATTENTION_TEMPERATURE,
    /** The loader reads {@code rope.scaling.yarn_log_multiplier} (mistral3); other architectures ignore that key as llama.cpp does. */
    YARN_LOG_MULTIPLIER
}
