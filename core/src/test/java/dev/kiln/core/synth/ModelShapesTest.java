package dev.kiln.core.synth;

import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.Metadata;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shape table against the real models' published figures, and the tensors a shape produces. */
class ModelShapesTest {

    /**
     * Parameter counts of the real models (the safetensors totals shown on their Hugging Face pages); a wrong
     * hyperparameter in the table changes them.
     */
    @Test
    void parameterCountsAreThoseOfTheRealModels() {
        assertEquals(7_248_023_552L, params(ModelShapes.MISTRAL_7B_V03));
        assertEquals(23_572_403_200L, params(ModelShapes.MISTRAL_SMALL_24B_2501));
        assertEquals(23_572_403_200L, params(ModelShapes.DEVSTRAL_SMALL_2_24B_2512));
        assertEquals(8_190_735_360L, params(ModelShapes.QWEN3_8B));
        assertEquals(1_100_048_384L, params(ModelShapes.TINYLLAMA_1_1B));
    }

    private static long params(ModelShape s) {
        return TensorPlan.parameterCount(TensorPlan.of(s, QuantMix.F16));
    }

    @Test
    void tableValues() {
        check(ModelShapes.MISTRAL_7B_V03, "llama", 32, 4096, 14336, 32, 8, 128, 32768);
        check(ModelShapes.MISTRAL_SMALL_24B_2501, "llama", 40, 5120, 32768, 32, 8, 128, 131072);
        check(ModelShapes.DEVSTRAL_SMALL_2_24B_2512, "mistral3", 40, 5120, 32768, 32, 8, 128, 131072);
        check(ModelShapes.QWEN3_8B, "qwen3", 36, 4096, 12288, 32, 8, 128, 151936);
        check(ModelShapes.TINYLLAMA_1_1B, "llama", 22, 2048, 5632, 32, 4, 64, 32000);
        assertEquals(5, ModelShapes.all().size());
    }

    private static void check(ModelShape s, String arch, int blocks, int embd, int ff, int heads, int kv, int hd,
                              int vocab) {
        assertEquals(arch, s.architecture(), s.name());
        Metadata md = s.architectureMetadata();
        String a = arch + ".";
        assertEquals(blocks, md.getInt(a + "block_count"), s.name());
        assertEquals(embd, md.getInt(a + "embedding_length"), s.name());
        assertEquals(ff, md.getInt(a + "feed_forward_length"), s.name());
        assertEquals(heads, md.getInt(a + "attention.head_count"), s.name());
        assertEquals(kv, md.getInt(a + "attention.head_count_kv"), s.name());
        assertEquals(hd, md.findInt(a + "attention.key_length").orElse(embd / heads), s.name());
        // the tensors follow the table
        List<TensorPlan.Entry> plan = TensorPlan.of(s, QuantMix.Q4_K_M);
        assertArrayEquals(new long[] {embd, vocab}, shapeOf(plan, "token_embd.weight"), s.name());
        assertArrayEquals(new long[] {embd, (long) heads * hd}, shapeOf(plan, "blk.0.attn_q.weight"), s.name());
        assertArrayEquals(new long[] {embd, (long) kv * hd}, shapeOf(plan, "blk.0.attn_k.weight"), s.name());
        assertArrayEquals(new long[] {(long) heads * hd, embd}, shapeOf(plan, "blk.0.attn_output.weight"));
        assertArrayEquals(new long[] {ff, embd}, shapeOf(plan, "blk." + (blocks - 1) + ".ffn_down.weight"));
        assertFalse(plan.stream().anyMatch(e -> e.name().startsWith("blk." + blocks + ".")), s.name());
        long perBlock = arch.equals("qwen3") ? 11 : 9;
        assertEquals(3 + perBlock * blocks, plan.size(), s.name());
    }

    private static long[] shapeOf(List<TensorPlan.Entry> plan, String name) {
        return plan.stream().filter(e -> e.name().equals(name)).findFirst().orElseThrow().shape();
    }

    @Test
    void yarnMetadataOfDevstralAndQwen3() {
        Metadata d = ModelShapes.DEVSTRAL_SMALL_2_24B_2512.architectureMetadata();
        assertEquals("yarn", d.getString("mistral3.rope.scaling.type"));
        assertEquals(48f, d.getFloat("mistral3.rope.scaling.factor"));
        assertEquals(8192, d.getInt("mistral3.rope.scaling.original_context_length"));
        assertEquals(1f, d.getFloat("mistral3.rope.scaling.yarn_log_multiplier"));
        assertEquals(0.1f, d.getFloat("mistral3.attention.temperature_scale"));
        assertEquals(393216, d.getInt("mistral3.context_length"));
        assertEquals(1e8f, d.getFloat("mistral3.rope.freq_base"));
        Metadata q = ModelShapes.QWEN3_8B.architectureMetadata();
        assertEquals("yarn", q.getString("qwen3.rope.scaling.type"));
        assertEquals(4f, q.getFloat("qwen3.rope.scaling.factor"));
        assertEquals(32768, q.getInt("qwen3.rope.scaling.original_context_length"));
        assertFalse(q.contains("qwen3.rope.dimension_count"));
    }

    /** The file sizes of llama.cpp's quantizations of the real models (tensor data, within 1%). */
    @Test
    void dataSizesArePlausible() {
        assertSize(4.37e9, ModelShapes.MISTRAL_7B_V03, QuantMix.Q4_K_M);
        assertSize(14.33e9, ModelShapes.MISTRAL_SMALL_24B_2501, QuantMix.Q4_K_M);
        assertSize(8.89e9, ModelShapes.MISTRAL_SMALL_24B_2501, QuantMix.Q2_K);
        assertSize(5.03e9, ModelShapes.QWEN3_8B, QuantMix.Q4_K_M);
    }

    private static void assertSize(double expected, ModelShape s, QuantMix mix) {
        long bytes = TensorPlan.dataBytes(TensorPlan.of(s, mix), 32);
        assertEquals(expected, bytes, expected * 0.01, s.name() + " " + mix + ": " + bytes);
    }

    @Test
    void overridesChangeTheShapeAndKeepMetadataTypes() {
        ModelShape small = ModelShapes.DEVSTRAL_SMALL_2_24B_2512.with(Map.of("block_count", "2",
                "mistral3.embedding_length", "512", "rope.scaling.factor", "8", "general.name", "tiny",
                "my.flag", "true"));
        assertEquals(2, small.blockCount());
        assertEquals(512, small.embeddingLength());
        Metadata md = small.architectureMetadata();
        assertEquals(8f, md.getFloat("mistral3.rope.scaling.factor"));
        assertTrue(md.getBoolean("mistral3.my.flag"));
        assertEquals("tiny", small.displayName());
        var e = assertThrows(IllegalArgumentException.class,
                () -> ModelShapes.TINYLLAMA_1_1B.with(Map.of("block_count", "x")));
        assertTrue(e.getMessage().contains("block_count"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> ModelShapes.TINYLLAMA_1_1B.with(Map.of("attention.head_count_kv", "5")));
        assertThrows(IllegalArgumentException.class, () -> ModelShapes.byName("llama-9000"));
        assertEquals(GgmlType.Q4_K, TensorPlan.of(small, QuantMix.Q4_K_M).getLast().type());
    }
}
