package dev.kiln.core.arch;

/**
 * The tensors a decoder-only model may have, named after their GGUF names (llama.cpp's {@code LLM_TENSOR_NAMES}).
 * A repeating role's template holds {@code %d} for the block index; {@link #tensorName(int)} gives the full
 * tensor name including the {@code .weight}/{@code .bias} suffix.
 */
public enum TensorRole {
    TOKEN_EMBD("token_embd", "weight", LayerClass.INPUT),
    OUTPUT_NORM("output_norm", "weight", LayerClass.OUTPUT),
    OUTPUT("output", "weight", LayerClass.OUTPUT),
    ATTN_NORM("blk.%d.attn_norm", "weight", LayerClass.REPEATING),
    ATTN_Q("blk.%d.attn_q", "weight", LayerClass.REPEATING),
    ATTN_K("blk.%d.attn_k", "weight", LayerClass.REPEATING),
    ATTN_V("blk.%d.attn_v", "weight", LayerClass.REPEATING),
    ATTN_Q_BIAS("blk.%d.attn_q", "bias", LayerClass.REPEATING),
    ATTN_K_BIAS("blk.%d.attn_k", "bias", LayerClass.REPEATING),
    ATTN_V_BIAS("blk.%d.attn_v", "bias", LayerClass.REPEATING),
    ATTN_Q_NORM("blk.%d.attn_q_norm", "weight", LayerClass.REPEATING),
    ATTN_K_NORM("blk.%d.attn_k_norm", "weight", LayerClass.REPEATING),
    ATTN_OUTPUT("blk.%d.attn_output", "weight", LayerClass.REPEATING),
    FFN_NORM("blk.%d.ffn_norm", "weight", LayerClass.REPEATING),
    FFN_GATE("blk.%d.ffn_gate", "weight", LayerClass.REPEATING),
    FFN_UP("blk.%d.ffn_up", "weight", LayerClass.REPEATING),
    FFN_DOWN("blk.%d.ffn_down", "weight", LayerClass.REPEATING);

    private final String template;
    private final String suffix;
    private final LayerClass layerClass;

    TensorRole(String template, String suffix, LayerClass layerClass) {
        this.template = template;
        this.suffix = suffix;
        this.layerClass = layerClass;
    }

    public LayerClass layerClass() {
        return layerClass;
    }

    public boolean repeating() {
        return layerClass == LayerClass.REPEATING;
    }

    /** The GGUF tensor name, e.g. {@code blk.3.attn_q.weight}; {@code layer} is ignored for non-repeating roles. */
    public String tensorName(int layer) {
        String base = repeating() ? template.formatted(layer) : template;
        return base + "." + suffix;
    }

    /** The GGUF tensor name of a non-repeating role. */
    public String tensorName() {
        if (repeating()) {
            throw new IllegalStateException(this + " is repeated per block: give the block index");
        }
        return tensorName(0);
    }
}
