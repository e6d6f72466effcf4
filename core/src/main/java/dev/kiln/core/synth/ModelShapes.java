package dev.kiln.core.synth;

import dev.kiln.gguf.MetadataValue;
import dev.kiln.gguf.MetadataValue.FloatValue;
import dev.kiln.gguf.ValueType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real models whose shapes {@code kiln synth} reproduces. Values come from each model's Hugging Face
 * {@code config.json} (cited per entry), written as llama.cpp's converter (convert_hf_to_gguf.py) turns them
 * into GGUF keys.
 */
public final class ModelShapes {

    private ModelShapes() {
    }

    /**
     * mistralai/Mistral-7B-v0.3 config.json: hidden_size 4096, intermediate_size 14336, num_hidden_layers 32,
     * num_attention_heads 32, num_key_value_heads 8 (head_dim 128), vocab_size 32768, max_position_embeddings
     * 32768, rope_theta 1e6, rms_norm_eps 1e-5, tie_word_embeddings false; SentencePiece tokenizer (v3).
     */
    public static final ModelShape MISTRAL_7B_V03 = new ModelShape("mistral-7b-v0.3", "llama",
            "Mistral-7B-v0.3 (synthetic)", 32, 4096, 14336, 32, 8, 128, 32768, 32768, 1.0e6f, 1e-5f,
            false, VocabKind.LLAMA_SPM, Map.of());

    /**
     * mistralai/Mistral-Small-24B-Instruct-2501 config.json (MistralForCausalLM): hidden_size 5120,
     * intermediate_size 32768, num_hidden_layers 40, num_attention_heads 32, num_key_value_heads 8, head_dim 128
     * (so q is 5120 -> 4096), vocab_size 131072, max_position_embeddings 32768, rope_theta 1e8, rms_norm_eps 1e-5,
     * untied; tekken tokenizer. Also the shape of Magistral-Small-2509's text model.
     */
    public static final ModelShape MISTRAL_SMALL_24B_2501 = new ModelShape("mistral-small-24b-2501", "llama",
            "Mistral-Small-24B-Instruct-2501 (synthetic)", 40, 5120, 32768, 32, 8, 128, 131072, 32768, 1.0e8f,
            1e-5f, false, VocabKind.TEKKEN, Map.of());

    /**
     * mistralai/Devstral-Small-2-24B-Instruct-2512 config.json (Mistral3ForConditionalGeneration, text model
     * ministral3): hidden_size 5120, intermediate_size 32768, num_hidden_layers 40, num_attention_heads 32,
     * num_key_value_heads 8, head_dim 128, vocab_size 131072, max_position_embeddings 393216, rms_norm_eps 1e-5,
     * rope_parameters {rope_type yarn, factor 48, original_max_position_embeddings 8192, beta_fast 32,
     * beta_slow 1, mscale 1, mscale_all_dim 1, llama_4_scaling_beta 0.1, rope_theta 1e8}; the converter writes
     * mscale_all_dim as rope.scaling.yarn_log_multiplier and llama_4_scaling_beta as
     * attention.temperature_scale (see ../shared/testdata/synthetic/README.md, "YaRN models"). Tekken tokenizer.
     */
    public static final ModelShape DEVSTRAL_SMALL_2_24B_2512 = new ModelShape("devstral-small-2-24b-2512",
            "mistral3", "Devstral-Small-2-24B-Instruct-2512 (synthetic)", 40, 5120, 32768, 32, 8, 128, 131072,
            393216, 1.0e8f, 1e-5f, false, VocabKind.TEKKEN, ordered(
                    "rope.scaling.type", MetadataValue.of("yarn"),
                    "rope.scaling.factor", f32(48f),
                    "rope.scaling.original_context_length", MetadataValue.of(ValueType.UINT32, 8192),
                    "rope.scaling.yarn_beta_fast", f32(32f),
                    "rope.scaling.yarn_beta_slow", f32(1f),
                    "rope.scaling.yarn_log_multiplier", f32(1f),
                    "attention.temperature_scale", f32(0.1f)));

    /**
     * deepseek-ai/DeepSeek-R1-0528-Qwen3-8B config.json (Qwen3ForCausalLM; Qwen3-8B's shape): hidden_size 4096,
     * intermediate_size 12288, num_hidden_layers 36, num_attention_heads 32, num_key_value_heads 8, head_dim 128,
     * vocab_size 151936, max_position_embeddings 131072, rope_theta 1e6, rms_norm_eps 1e-6,
     * tie_word_embeddings false, rope_scaling {rope_type yarn, factor 4, original_max_position_embeddings 32768,
     * attn_factor 0.8782488562869419} (written as rope.scaling.yarn_attn_factor, which llama.cpp's qwen3
     * loader ignores). Qwen2 byte-level BPE tokenizer.
     */
    public static final ModelShape QWEN3_8B = new ModelShape("qwen3-8b", "qwen3",
            "DeepSeek-R1-0528-Qwen3-8B (synthetic)", 36, 4096, 12288, 32, 8, 128, 151936, 131072, 1.0e6f, 1e-6f,
            false, VocabKind.QWEN2, ordered(
                    "rope.scaling.type", MetadataValue.of("yarn"),
                    "rope.scaling.factor", f32(4f),
                    "rope.scaling.original_context_length", MetadataValue.of(ValueType.UINT32, 32768),
                    "rope.scaling.yarn_attn_factor", f32(0.8782488562869419f)));

    /**
     * TinyLlama/TinyLlama-1.1B-Chat-v1.0 config.json: hidden_size 2048, intermediate_size 5632,
     * num_hidden_layers 22, num_attention_heads 32, num_key_value_heads 4 (head_dim 64), vocab_size 32000,
     * max_position_embeddings 2048, rope_theta 10000, rms_norm_eps 1e-5, untied; LLaMA-2 SentencePiece tokenizer.
     */
    public static final ModelShape TINYLLAMA_1_1B = new ModelShape("tinyllama-1.1b", "llama",
            "TinyLlama-1.1B-Chat-v1.0 (synthetic)", 22, 2048, 5632, 32, 4, 64, 32000, 2048, 10000f, 1e-5f,
            false, VocabKind.LLAMA_SPM, Map.of());

    private static final List<ModelShape> ALL = List.of(MISTRAL_7B_V03, MISTRAL_SMALL_24B_2501,
            DEVSTRAL_SMALL_2_24B_2512, QWEN3_8B, TINYLLAMA_1_1B);

    /** Every shape of the table. */
    public static List<ModelShape> all() {
        return ALL;
    }

    public static Optional<ModelShape> find(String name) {
        return ALL.stream().filter(s -> s.name().equalsIgnoreCase(name)).findFirst();
    }

    /**
     * The shape with this name.
     *
     * @throws IllegalArgumentException listing the known names when there is none
     */
    public static ModelShape byName(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException("unknown shape '" + name
                + "' (known: " + String.join(", ", ALL.stream().map(ModelShape::name).toList()) + ")"));
    }

    private static MetadataValue f32(float v) {
        return new FloatValue(ValueType.FLOAT32, v);
    }

    private static Map<String, MetadataValue> ordered(Object... keyValues) {
        Map<String, MetadataValue> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], (MetadataValue) keyValues[i + 1]);
        }
        return m;
    }
}
