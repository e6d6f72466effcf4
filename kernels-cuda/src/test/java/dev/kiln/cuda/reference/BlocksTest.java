package dev.kiln.cuda.reference;

import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernels' reading of each block layout reproduces ggml's dequantization vectors from the shared test data. */
class BlocksTest {

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "Q4_0", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void dequantizesLikeGgml(GgmlType type) throws IOException {
        byte[] raw = Files.readAllBytes(TestData.require("dequant/" + type + ".bin"));
        float[] expected = TestData.readFloats(TestData.require("dequant/" + type + ".f32"));
        int rows = 8, cols = expected.length / rows, rowBytes = raw.length / rows;
        assertEquals(type.byteSize(cols), rowBytes, "bytes per row of " + type);
        for (int r = 0; r < rows; r++) {
            float[] got = Blocks.row(type, raw, r * rowBytes, cols);
            for (int k = 0; k < cols; k++) {
                float want = expected[r * cols + k];
                // the reference computes in float32 too; allow one rounding step of the product
                assertEquals(want, got[k], Math.ulp(want) * 2, type + " row " + r + " weight " + k);
            }
        }
    }
}
