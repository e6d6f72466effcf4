package dev.kiln.cpu.quant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every scalar dequantizer reproduces testdata/dequant/TYPE.bin -> TYPE.f32 (gguf-py's reference values). */
class DequantReferenceTest {

    @TestFactory
    List<DynamicTest> everyTypeInTheIndex() throws IOException {
        Path dir = TestData.require("dequant/index.json").getParent();
        JsonNode index = new ObjectMapper().readTree(dir.resolve("index.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode entry : index) {
            GgmlType type = GgmlType.valueOf(entry.get("type").asText());
            tests.add(DynamicTest.dynamicTest(type.name(), () -> check(dir, entry, type)));
        }
        assertTrue(tests.size() >= 13, "index.json lists " + tests.size() + " types");
        return tests;
    }

    private static void check(Path dir, JsonNode entry, GgmlType type) throws IOException {
        int rowLength = entry.get("row_length").asInt();
        int rows = entry.get("rows").asInt();
        int bytesPerRow = entry.get("bytes_per_row").asInt();
        assertEquals(type.byteSize(rowLength), bytesPerRow, "bytes per row of " + type);
        MemorySegment raw = MemorySegment.ofArray(Files.readAllBytes(dir.resolve(entry.get("raw_file").asText())));
        float[] expected = TestData.readFloats(dir.resolve(entry.get("values_file").asText()));
        assertEquals((long) rows * bytesPerRow, raw.byteSize());
        assertEquals(rows * rowLength, expected.length);

        QuantKernel kernel = QuantKernels.of(type);
        float[] actual = new float[rows * rowLength]; // [rows][rowLength]
        for (int r = 0; r < rows; r++) {
            kernel.dequantize(raw, (long) r * bytesPerRow, actual, r * rowLength, rowLength);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!Tolerances.dequantClose(expected[i], actual[i])) {
                fail(type + ": row " + i / rowLength + " element " + i % rowLength + ": expected " + expected[i]
                        + ", found " + actual[i]);
            }
        }
        // The whole-row call must equal row-by-row calls.
        float[] all = new float[rows * rowLength];
        kernel.dequantize(raw, 0, all, 0, rows * rowLength);
        assertTrue(java.util.Arrays.equals(actual, all), type + ": dequantizing 8 rows at once differs");
    }
}
