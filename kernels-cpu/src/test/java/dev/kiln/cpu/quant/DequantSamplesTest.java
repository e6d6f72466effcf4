package dev.kiln.cpu.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.TensorData;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Second check: the first rows of one tensor of each type in every synthetic model, as ggml's own to_float
 * dequantized them (synthetic/*.dequant-samples.json), read here from the GGUF files themselves.
 */
class DequantSamplesTest {

    @TestFactory
    List<DynamicTest> everySampleFile() throws IOException {
        List<Path> files = TestData.files("synthetic", ".dequant-samples.json");
        assertFalse(files.isEmpty(), "no dequant-samples files in the test data's synthetic/");
        List<DynamicTest> tests = new ArrayList<>();
        for (Path json : files) {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            Path model = json.resolveSibling(root.get("model").asText());
            for (JsonNode sample : root.get("samples")) {
                String tensor = sample.get("tensor").asText();
                tests.add(DynamicTest.dynamicTest(model.getFileName() + " " + tensor, () -> check(model, sample)));
            }
        }
        return tests;
    }

    private static void check(Path model, JsonNode sample) throws IOException {
        try (GgufFile file = GgufFile.open(model)) {
            TensorData t = file.tensor(sample.get("tensor").asText());
            assertEquals(sample.get("type").asText().toUpperCase(), t.type().name().toUpperCase());
            int ne0 = sample.get("ne0").asInt();
            int rows = sample.get("rows").asInt();
            assertEquals(ne0, t.rowLength());
            JsonNode values = sample.get("values");
            assertEquals(ne0 * rows, values.size());
            float[] actual = new float[ne0 * rows]; // [rows][ne0]
            QuantKernels.of(t.type()).dequantize(t.segment(), 0, actual, 0, ne0 * rows);
            for (int i = 0; i < actual.length; i++) {
                float expected = (float) values.get(i).asDouble();
                if (!Tolerances.dequantClose(expected, actual[i])) {
                    fail(t.name() + " (" + t.type() + "): element " + i + ": expected " + expected + ", found "
                            + actual[i]);
                }
            }
        }
    }
}
