package dev.kiln.cpu.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.Batch;
import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The forward pass against testdata/synthetic (read its README): with an F32 KV cache, logits at every prompt
 * position within 0.06 of llama.cpp's (which quantizes activations, hence the bound, several times llama.cpp's own
 * noise), within 1e-3 of the independent float64 pass (this engine keeps activations in float), and teacher-forced
 * decoding over llama.cpp's greedy ids within the same bounds of its recorded top-8 logits.
 */
class SyntheticModelsTest {
    /** Against llama.cpp's logits (issue 5). */
    static final float LLAMA_CPP = 0.06f;
    /** Against the float64 pass (issue 5; the README expects ~1e-5 from a float32 engine). */
    static final float EXACT = 1e-3f;

    @ParameterizedTest
    @ValueSource(strings = {"llama-small.Q2_K", "llama-small.Q3_K_M", "llama-small.Q4_K_M", "llama-small.Q4_0",
            "llama-small.Q8_0", "qwen3-small.Q4_K_M", "mistral3-small.Q4_K_M", "qwen3-yarn-small.Q4_K_M"})
    void promptAndTeacherForcedLogitsMatchReferences(String model) {
        try (Reference r = new Reference("synthetic/" + model + ".gguf", 2, 64);
             KvCache cache = r.cache(GgmlType.F32, 128)) {
            int n = r.promptIds().length;
            float[] logits = r.promptLogits(cache, 0);

            float[] llamaCpp = TestData.readFloats(TestData.require("synthetic/" + model + ".logits.f32"));
            float vsLlamaCpp = r.maxAbsDiff(logits, llamaCpp, n, 1);
            float[] exact = TestData.readFloats(TestData.require("synthetic/" + model + ".exact-stride16.logits.f32"));
            float vsExact = r.maxAbsDiff(logits, exact, n, 16);
            System.out.printf("%s: prompt max abs vs llama.cpp %.4f, vs float64 %.2e%n", model, vsLlamaCpp, vsExact);
            assertTrue(vsLlamaCpp <= LLAMA_CPP, model + ": prompt logits differ from llama.cpp by " + vsLlamaCpp);
            assertTrue(vsExact <= EXACT, model + ": prompt logits differ from the float64 pass by " + vsExact);

            // teacher-forced: feed llama.cpp's greedy ids one at a time, compare its top-8 logits at each step
            JsonNode ref = r.ref;
            int[] generated = Reference.ints(ref.get("generated_ids"));
            int start = ref.has("positions") ? ref.get("positions").get(0).asInt() : 0;
            float[] step = new float[r.vocab];
            System.arraycopy(logits, (n - 1) * r.vocab, step, 0, r.vocab);
            float worst = 0;
            for (int k = 0; k < generated.length; k++) {
                if (k > 0) {
                    r.forward.forward(cache, Batch.single(0, start + n + k - 1, generated[k - 1]), step);
                }
                int[] ids = Reference.ints(ref.get("generated_top8_ids").get(k));
                JsonNode values = ref.get("generated_top8_logits").get(k);
                for (int i = 0; i < ids.length; i++) {
                    worst = Math.max(worst, Math.abs(step[ids[i]] - values.get(i).floatValue()));
                }
            }
            System.out.printf("%s: teacher-forced top-8 max abs vs llama.cpp %.4f%n", model, worst);
            assertTrue(worst <= LLAMA_CPP, model + ": teacher-forced logits differ from llama.cpp by " + worst);
        }
    }

    /** mistral3's attention temperature changes at position 8192: the prompt at 8160..8223 (cells 0..63). */
    @Test
    void mistral3AttentionTemperatureAcrossPosition8192() throws java.io.IOException {
        Path exactFile = TestData.require("synthetic/mistral3-small.Q4_K_M.pos8160.exact-stride16.logits.f32");
        try (Reference r = new Reference("synthetic/mistral3-small.Q4_K_M.gguf", 2, 64);
             KvCache cache = r.cache(GgmlType.F32, 128)) {
            float[] logits = r.promptLogits(cache, 8160);
            int n = r.promptIds().length;
            float vsExact = r.maxAbsDiff(logits, TestData.readFloats(exactFile), n, 16);
            float vsLlamaCpp = r.maxAbsDiff(logits, TestData.readFloats(
                    TestData.require("synthetic/mistral3-small.Q4_K_M.pos8160.stride16.logits.f32")), n, 16);
            System.out.printf("mistral3 pos8160: max abs vs llama.cpp %.4f, vs float64 %.2e%n", vsLlamaCpp, vsExact);
            assertTrue(vsExact <= EXACT, "pos8160 logits differ from the float64 pass by " + vsExact);
            assertTrue(vsLlamaCpp <= LLAMA_CPP, "pos8160 logits differ from llama.cpp by " + vsLlamaCpp);

            // teacher-forced greedy steps, all above 8192: position 8160 + 64 + k - 1 lives in cell 64 + k - 1
            JsonNode ref = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                    TestData.require("synthetic/mistral3-small.Q4_K_M.pos8160.ref.json").toFile());
            int[] generated = Reference.ints(ref.get("generated_ids"));
            float[] step = java.util.Arrays.copyOfRange(logits, (n - 1) * r.vocab, n * r.vocab);
            float worst = 0;
            for (int k = 0; k < generated.length; k++) {
                if (k > 0) {
                    Batch b = new Batch(new int[] {generated[k - 1]}, new int[] {0}, new int[] {8160 + n + k - 1},
                            new int[] {n + k - 1}, new boolean[] {true});
                    r.forward.forward(cache, b, step);
                }
                int[] ids = Reference.ints(ref.get("generated_top8_ids").get(k));
                for (int i = 0; i < ids.length; i++) {
                    worst = Math.max(worst, Math.abs(step[ids[i]] - ref.get("generated_top8_logits").get(k).get(i).floatValue()));
                }
            }
            System.out.printf("mistral3 pos8160: teacher-forced top-8 max abs vs llama.cpp %.4f%n", worst);
            assertTrue(worst <= LLAMA_CPP, "pos8160 teacher-forced logits differ from llama.cpp by " + worst);
        }
    }
}
