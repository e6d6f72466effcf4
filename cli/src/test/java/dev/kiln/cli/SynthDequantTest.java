package dev.kiln.cli;

import dev.kiln.core.synth.ModelShape;
import dev.kiln.core.synth.ModelShapes;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.SynthWriter;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synthetic weights dequantized by the CPU kernels' scalar references (ggml's arithmetic): every value finite,
 * every matrix of mean about 0 and standard deviation about {@link SynthWriter#WEIGHT_STD}, for every type any
 * mix uses. Lives here because core (where synth is) cannot depend on kernels-cpu.
 */
class SynthDequantTest {

    @TempDir
    Path dir;

    @Test
    void everyTypeDequantizesToFiniteWeightsOfTheIntendedScale() throws IOException {
        ModelShape shape = ModelShapes.MISTRAL_7B_V03.with(Map.of("block_count", "2", "embedding_length", "512",
                "feed_forward_length", "1024", "attention.head_count", "4", "attention.head_count_kv", "1",
                "vocab_size", "600"));
        Set<GgmlType> seen = EnumSet.noneOf(GgmlType.class);
        for (QuantMix mix : QuantMix.values()) {
            Path path = dir.resolve(mix + ".gguf");
            new SynthWriter(shape, mix, 11, null).write(path, null);
            try (GgufFile file = GgufFile.open(path)) {
                for (TensorInfo info : file.tensors()) {
                    if (info.rank() < 2) {
                        continue;
                    }
                    TensorData t = file.tensor(info.name());
                    int n = (int) info.elementCount();
                    float[] w = new float[n]; // [rows][rowLength]
                    QuantKernels.of(info.type()).dequantize(t.segment(), 0, w, 0, n);
                    double sum = 0;
                    double sq = 0;
                    for (float v : w) {
                        assertTrue(Float.isFinite(v), mix + " " + info.name() + ": non-finite weight");
                        sum += v;
                        sq += (double) v * v;
                    }
                    double mean = sum / n;
                    double std = Math.sqrt(sq / n - mean * mean);
                    String where = mix + " " + info.name() + " (" + info.type() + ")";
                    assertEquals(0.0, mean, 0.2 * SynthWriter.WEIGHT_STD, where + ": mean");
                    assertEquals(SynthWriter.WEIGHT_STD, std, 0.2 * SynthWriter.WEIGHT_STD, where + ": std");
                    seen.add(info.type());
                }
            }
        }
        assertEquals(EnumSet.of(GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q2_K, GgmlType.Q3_K,
                GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K), seen);
    }
}
