package dev.kiln.core.synth;

/** The tensors of a llama-family model, with their GGUF names (llama.cpp's LLM_TENSOR_* names). */
public enum TensorRole {
    TOKEN_EMBD("token_embd", false, false),
    OUTPUT_NORM("output_norm", false, true),
    OUTPUT("output", false, false),
    ATTN_NORM("attn_norm", true, true),
    ATTN_Q("attn_q", true, false),
    ATTN_K("attn_k", true, false),
    ATTN_V("attn_v", true, false),
    ATTN_OUTPUT("attn_output", true, false),
    ATTN_Q_NORM("attn_q_norm", true, true),
    ATTN_K_NORM("attn_k_norm", true, true),
    FFN_NORM("ffn_norm", true, true),
    FFN_GATE("ffn_gate", true, false),
    FFN_UP("ffn_up", true, false),
    FFN_DOWN("ffn_down", true, false);

    private final String ggufName;
    private final boolean perBlock;
    private final boolean norm;

    TensorRole(String ggufName, boolean perBlock, boolean norm) {
        this.ggufName = ggufName;
        this.perBlock = perBlock;
        this.norm = norm;
    }

    /** The name without block prefix and {@code .weight} suffix ({@code attn_q}). */
    public String ggufName() {
        return ggufName;
    }

    /** True for tensors repeated in every block ({@code blk.N.}). */
    public boolean perBlock() {
        return perBlock;
    }

    /** True for the 1-D RMSNorm weights (always F32). */
    public boolean isNorm() {
        return norm;
    }

    /** The full tensor name, e.g. {@code blk.3.attn_q.weight}. */
    public String tensorName(int layer) {
        return (perBlock ? "blk." + layer + "." : "") + ggufName + ".weight";
    }
}
