package dev.kiln.core.synth;

import dev.kiln.core.arch.TensorRole;
import dev.kiln.gguf.GgmlType;

import java.util.Arrays;

/**
 * The file types {@code kiln synth} makes, with the per-tensor type choices of llama.cpp's quantizer
 * ({@code llama_tensor_get_type} in src/llama-quant.cpp, no importance matrix, default options) for dense
 * llama-family models:
 * <ul>
 *   <li>norm weights (1-D) stay F32;</li>
 *   <li>the output matrix ({@code output.weight}, or {@code token_embd.weight} when the output is tied) becomes
 *       Q6_K unless the mix is Q8_0 (then Q8_0) — Q8_0 also when its row length is not a multiple of the mix's
 *       block size;</li>
 *   <li>Q2_K: {@code attn_v} Q4_K when n_head/n_head_kv >= 4, else Q3_K; {@code attn_output} and
 *       {@code ffn_down} Q3_K;</li>
 *   <li>Q3_K_M: {@code attn_v} Q5_K in blocks 0 and 1, else Q4_K; {@code attn_output} Q4_K; {@code ffn_down}
 *       Q5_K in blocks i &lt; n/16, else Q4_K;</li>
 *   <li>Q4_K_M: {@code attn_v} and {@code ffn_down} Q6_K in the blocks where {@link #useMoreBits} holds;</li>
 *   <li>a llama model with 80 blocks and grouped KV heads (llama.cpp's 70B type) gets Q5_K for an {@code attn_v}
 *       that would be Q3_K or Q4_K;</li>
 *   <li>everything else (token_embd included) takes the mix's base type. F16 is not a quantized type, so
 *       llama.cpp applies no rules: every matrix is F16.</li>
 * </ul>
 * Checked against every {@code *.tensors.txt} of {@code ../shared/testdata/synthetic} (llama-quantize output).
 */
public enum QuantMix {
    F16(1, GgmlType.F16),
    Q8_0(7, GgmlType.Q8_0),
    Q4_0(2, GgmlType.Q4_0),
    Q2_K(10, GgmlType.Q2_K),
    Q3_K_M(12, GgmlType.Q3_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q6_K(18, GgmlType.Q6_K);

    private final int fileType;
    private final GgmlType baseType;

    QuantMix(int fileType, GgmlType baseType) {
        this.fileType = fileType;
        this.baseType = baseType;
    }

    /** {@code general.file_type} (llama.cpp's {@code llama_ftype}). */
    public int fileType() {
        return fileType;
    }

    /** The type of most matrices. */
    public GgmlType baseType() {
        return baseType;
    }

    /**
     * The mix with this name ({@code Q4_K_M}, case-insensitive).
     *
     * @throws IllegalArgumentException listing the known mixes
     */
    public static QuantMix byName(String name) {
        for (QuantMix m : values()) {
            if (m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown type mix '" + name + "' (known: "
                + String.join(", ", Arrays.stream(values()).map(Enum::name).toList()) + ")");
    }

    /** True for the 1-D RMSNorm weights, which every mix keeps in F32. */
    public static boolean isNorm(TensorRole role) {
        return switch (role) {
            case OUTPUT_NORM, ATTN_NORM, ATTN_Q_NORM, ATTN_K_NORM, FFN_NORM -> true;
            default -> false;
        };
    }

    /**
     * llama.cpp's {@code use_more_bits}: the first eighth of the blocks, the last eighth, and every third block
     * in between.
     */
    static boolean useMoreBits(int layer, int nLayers) {
        return layer < nLayers / 8 || layer >= 7 * nLayers / 8 || (layer - nLayers / 8) % 3 == 2;
    }

    /**
     * The ggml type of one tensor.
     *
     * @param role  the tensor
     * @param layer its block index (ignored for non-block tensors)
     * @param rowLength its ne0
     * @param shape the model
     * @throws IllegalArgumentException when the row length does not fit the chosen type's block (llama.cpp
     *                                  would fall back to another type, which synth does not do)
     */
    public GgmlType typeOf(TensorRole role, int layer, long rowLength, ModelShape shape) {
        if (QuantMix.isNorm(role)) {
            return GgmlType.F32;
        }
        if (this == F16) {
            return GgmlType.F16;
        }
        int n = shape.blockCount();
        GgmlType t = baseType;
        boolean isOutput = role == TensorRole.OUTPUT || (shape.tiedOutput() && role == TensorRole.TOKEN_EMBD);
        if (isOutput) {
            if (rowLength % t.blockSize() != 0) {
                t = GgmlType.Q8_0;
            } else if (t != GgmlType.Q8_0) {
                t = GgmlType.Q6_K;
            }
        } else {
            switch (role) {
                case ATTN_V -> {
                    if (this == Q2_K) {
                        t = shape.gqa() >= 4 ? GgmlType.Q4_K : GgmlType.Q3_K;
                    } else if (this == Q3_K_M) {
                        t = layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
                    } else if (this == Q4_K_M && useMoreBits(layer, n)) {
                        t = GgmlType.Q6_K;
                    }
                    boolean is70b = shape.architecture().equals("llama") && n == 80
                            && shape.headCount() != shape.headCountKv();
                    if (is70b && (t == GgmlType.Q3_K || t == GgmlType.Q4_K)) {
                        t = GgmlType.Q5_K;
                    }
                }
                case FFN_DOWN -> {
                    if (this == Q2_K) {
                        t = GgmlType.Q3_K;
                    } else if (this == Q3_K_M) {
                        t = layer < n / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
                    } else if (this == Q4_K_M && useMoreBits(layer, n)) {
                        t = GgmlType.Q6_K;
                    }
                }
                case ATTN_OUTPUT -> {
                    if (this == Q2_K) {
                        t = GgmlType.Q3_K;
                    } else if (this == Q3_K_M) {
                        t = GgmlType.Q4_K;
                    }
                }
                default -> {
                }
            }
        }
        if (rowLength % t.blockSize() != 0) {
            throw new IllegalArgumentException(role.tensorName(layer) + ": row length " + rowLength
                    + " is not a multiple of the " + t + " block size " + t.blockSize()
                    + " (llama.cpp would fall back to another type; synth does not)");
        }
        return t;
    }
}
