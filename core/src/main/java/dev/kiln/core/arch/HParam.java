package dev.kiln.core.arch;

/**
 * The GGUF hyperparameter keys, as templates over the architecture name (llama.cpp's {@code LLM_KV_NAMES}).
 * {@code HParam.BLOCK_COUNT.key("qwen2")} is {@code "qwen2.block_count"}.
 */
public enum HParam {
    CONTEXT_LENGTH("%s.context_length"),
    EMBEDDING_LENGTH("%s.embedding_length"),
    BLOCK_COUNT("%s.block_count"),
    FEED_FORWARD_LENGTH("%s.feed_forward_length"),
    VOCAB_SIZE("%s.vocab_size"),
    HEAD_COUNT("%s.attention.head_count"),
    HEAD_COUNT_KV("%s.attention.head_count_kv"),
    KEY_LENGTH("%s.attention.key_length"),
    VALUE_LENGTH("%s.attention.value_length"),
    LAYER_NORM_RMS_EPSILON("%s.attention.layer_norm_rms_epsilon"),
    ATTENTION_TEMPERATURE_SCALE("%s.attention.temperature_scale"),
    ROPE_DIMENSION_COUNT("%s.rope.dimension_count"),
    ROPE_FREQ_BASE("%s.rope.freq_base"),
    ROPE_SCALE_LINEAR("%s.rope.scale_linear"),
    ROPE_SCALING_TYPE("%s.rope.scaling.type"),
    ROPE_SCALING_FACTOR("%s.rope.scaling.factor"),
    ROPE_SCALING_ATTN_FACTOR("%s.rope.scaling.attn_factor"),
    ROPE_SCALING_ORIGINAL_CONTEXT_LENGTH("%s.rope.scaling.original_context_length"),
    ROPE_SCALING_YARN_EXT_FACTOR("%s.rope.scaling.yarn_ext_factor"),
    ROPE_SCALING_YARN_BETA_FAST("%s.rope.scaling.yarn_beta_fast"),
    ROPE_SCALING_YARN_BETA_SLOW("%s.rope.scaling.yarn_beta_slow"),
    ROPE_SCALING_YARN_LOG_MULTIPLIER("%s.rope.scaling.yarn_log_multiplier"),
    /** Written by converters, ignored as llama.cpp ignores it: its effect is already in the YaRN magnitude. */
    ROPE_SCALING_YARN_ATTN_FACTOR("%s.rope.scaling.yarn_attn_factor");

    private final String template;

    HParam(String template) {
        this.template = template;
    }

    public String key(String architecture) {
        return template.formatted(architecture);
    }

    public String key(Architecture architecture) {
        return key(architecture.ggufName());
    }
}
