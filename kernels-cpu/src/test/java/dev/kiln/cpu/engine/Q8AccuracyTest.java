package dev.kiln.cpu.engine;

import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The integer path ({@link MatMulPrecision#Q8}: 8-bit activations, as llama.cpp's CPU backend) stays within
 * llama.cpp's own noise: on every synthetic file its distance to the independent float64 pass is no larger than
 * llama.cpp's quantized path's distance to the same pass, plus {@link #MARGIN}. Distance: the root mean square and the
 * maximum of |logit − exact| over the 16 prompt positions and the vocabulary ids the exact file holds (every 16th).
 * Both engines quantize activations the same way (8-bit, per 256 values for K-quant weights, per 32 for Q4_0/Q8_0),
 * so their noise has the same size; the margin covers the spread of a maximum over 32,000 noisy values. A wrong
 * kernel (a missing minimum, a scale off by one group) moves logits by far more than either engine's noise. The
 * batches run on the integer kernels here whatever the machine ({@code kiln.cpu.floatbatch=off}); their float
 * variant has its own test.
 */
class Q8AccuracyTest {
    /** Kiln's distance may exceed llama.cpp's by at most this factor. */
    static final double MARGIN = 1.25;

    @ParameterizedTest
    @ValueSource(strings = {"llama-small.Q2_K", "llama-small.Q3_K_M", "llama-small.Q4_K_M", "llama-small.Q4_0",
            "llama-small.Q8_0", "qwen3-small.Q4_K_M", "mistral3-small.Q4_K_M", "qwen3-yarn-small.Q4_K_M"})
    void noFartherFromTheExactPassThanLlamaCpp(String model) {
        float[] exact = TestData.readFloats(TestData.require("synthetic/" + model + ".exact-stride16.logits.f32"));
        float[] llamaCpp = TestData.readFloats(TestData.require("synthetic/" + model + ".logits.f32"));
        try (Reference r = withFloatBatches("off", () -> new Reference("synthetic/" + model + ".gguf", 2, 64, MatMulPrecision.Q8));
             KvCache cache = r.cache(GgmlType.F32, 128)) {
            int n = r.promptIds().length;
            float[] kiln = r.promptLogits(cache, 0);
            double[] ours = distance(kiln, exact, n, r.vocab);
            double[] theirs = distance(llamaCpp, exact, n, r.vocab);
            System.out.printf("%s q8: vs float64 rms %.4f max %.4f; llama.cpp rms %.4f max %.4f%n", model,
                    ours[0], ours[1], theirs[0], theirs[1]);
            assertTrue(ours[0] <= MARGIN * theirs[0], model + ": rms distance " + ours[0] + " vs llama.cpp's " + theirs[0]);
            assertTrue(ours[1] <= MARGIN * theirs[1], model + ": max distance " + ours[1] + " vs llama.cpp's " + theirs[1]);
        }
    }

    /**
     * The same path with its batches in float (from 2 tokens here, whatever the vector width): on the files whose
     * matrices all decode (Q4_K and Q6_K), the 16-token prompt's logits are as close to the float64 pass as the exact
     * path's ({@link SyntheticModelsTest#EXACT}), a bound the integer batches (0.005-0.009 root mean square) miss by far.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama-small.Q4_K_M", "qwen3-small.Q4_K_M", "mistral3-small.Q4_K_M", "qwen3-yarn-small.Q4_K_M"})
    void floatBatchesAreAsCloseToTheExactPassAsTheFloatPath(String model) {
        float[] exact = TestData.readFloats(TestData.require("synthetic/" + model + ".exact-stride16.logits.f32"));
        try (Reference r = withFloatBatches("2", () -> new Reference("synthetic/" + model + ".gguf", 2, 64, MatMulPrecision.Q8));
             KvCache cache = r.cache(GgmlType.F32, 128)) {
            int n = r.promptIds().length;
            float[] kiln = r.promptLogits(cache, 0);
            float vsExact = r.maxAbsDiff(kiln, exact, n, 16);
            System.out.printf("%s q8, float batches: prompt max abs vs float64 %.2e%n", model, vsExact);
            assertTrue(vsExact <= SyntheticModelsTest.EXACT, model + ": prompt logits differ from the float64 pass by " + vsExact);
        }
    }

    /** Runs {@code make} with {@code kiln.cpu.floatbatch} set to {@code value} (read when the backend is made). */
    static <T> T withFloatBatches(String value, java.util.function.Supplier<T> make) {
        String before = System.getProperty("kiln.cpu.floatbatch");
        System.setProperty("kiln.cpu.floatbatch", value);
        try {
            return make.get();
        } finally {
            if (before == null) {
                System.clearProperty("kiln.cpu.floatbatch");
            } else {
                System.setProperty("kiln.cpu.floatbatch", before);
            }
        }
    }

    /** {rms, max} of |full[p][16j] − exact[p][j]| over p &lt; rows and every j. */
    static double[] distance(float[] full, float[] exact, int rows, int vocab) {
        int cols = (vocab + 15) / 16;
        double sum = 0;
        double max = 0;
        for (int p = 0; p < rows; p++) {
            for (int j = 0; j < cols; j++) {
                double d = Math.abs(full[p * vocab + 16 * j] - exact[p * cols + j]);
                sum += d * d;
                max = Math.max(max, d);
            }
        }
        return new double[] {Math.sqrt(sum / ((double) rows * cols)), max};
    }
}
