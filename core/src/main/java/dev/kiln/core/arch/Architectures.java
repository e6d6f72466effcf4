package dev.kiln.core.arch;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.kiln.core.arch.TensorRole.*;

/**
 * The built-in architecture table, following llama.cpp's {@code llm_build_*} graphs for these families:
 * <ul>
 *   <li>{@code llama}: Llama 2/3, Mistral 7B, Mistral-Small, Magistral; normal RoPE, optional Q/K/V biases.</li>
 *   <li>{@code mistral3}: Devstral Small 2 / Ministral 3 text models; the llama block plus YaRN with
 *       {@code yarn_log_multiplier} and the attention temperature.</li>
 *   <li>{@code qwen2}: Qwen2/2.5; NEOX RoPE and Q/K/V biases.</li>
 *   <li>{@code qwen3}: Qwen3 dense; NEOX RoPE and per-head Q/K RMSNorm.</li>
 * </ul>
 */
public final class Architectures {
    private Architectures() {}

    private static final Set<TensorRole> BLOCK = EnumSet.of(TOKEN_EMBD, OUTPUT_NORM, ATTN_NORM, ATTN_Q, ATTN_K, ATTN_V,
            ATTN_OUTPUT, FFN_NORM, FFN_GATE, FFN_UP, FFN_DOWN);
    private static final Set<TensorRole> BIASES = EnumSet.of(ATTN_Q_BIAS, ATTN_K_BIAS, ATTN_V_BIAS);

    public static final Architecture LLAMA = new Architecture("llama", RopePairing.NORMAL, BLOCK,
            union(EnumSet.of(OUTPUT), BIASES), EnumSet.noneOf(Feature.class));
    public static final Architecture MISTRAL3 = new Architecture("mistral3", RopePairing.NORMAL, BLOCK,
            union(EnumSet.of(OUTPUT), BIASES), EnumSet.of(Feature.ATTENTION_TEMPERATURE, Feature.YARN_LOG_MULTIPLIER));
    public static final Architecture QWEN2 = new Architecture("qwen2", RopePairing.NEOX, union(BLOCK, BIASES),
            EnumSet.of(OUTPUT), EnumSet.of(Feature.QKV_BIAS));
    public static final Architecture QWEN3 = new Architecture("qwen3", RopePairing.NEOX,
            union(BLOCK, EnumSet.of(ATTN_Q_NORM, ATTN_K_NORM)), EnumSet.of(OUTPUT), EnumSet.of(Feature.QK_NORM));

    private static final Map<String, Architecture> BY_NAME = new LinkedHashMap<>();

    static {
        for (Architecture a : List.of(LLAMA, MISTRAL3, QWEN2, QWEN3)) {
            BY_NAME.put(a.ggufName(), a);
        }
    }

    /** The architecture named by {@code general.architecture}; an unknown name lists the supported ones. */
    public static Architecture forName(String generalArchitecture) {
        Architecture a = BY_NAME.get(generalArchitecture);
        if (a == null) {
            throw new UnsupportedModelException("architecture '" + generalArchitecture + "' is not supported (supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return a;
    }

    /** Every supported architecture, in table order. */
    public static List<Architecture> all() {
        return List.copyOf(BY_NAME.values());
    }

    private static Set<TensorRole> union(Set<TensorRole> a, Set<TensorRole> b) {
        EnumSet<TensorRole> s = EnumSet.copyOf(a);
        s.addAll(b);
        return s;
    }
}
