package dev.kiln.gguf;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every GGUF file of the reference data opens, and agrees with the independent tensor lists next to it. */
class RealFilesTest {

    @Test
    void everyReferenceFileOpens() throws IOException {
        List<Path> files = TestData.walk(".gguf");
        assertFalse(files.isEmpty());
        for (Path p : files) {
            try (GgufFile gguf = GgufFile.open(p)) {
                assertEquals(3, gguf.version(), p.toString());
                for (TensorInfo t : gguf.tensors()) {
                    assertEquals(t.sizeBytes(), gguf.data(t).segment().byteSize());
                }
            }
        }
    }

    @Test
    void synthetic_tensorListsMatchTheReferenceDumps() throws IOException {
        List<Path> lists = TestData.files("synthetic", ".tensors.txt");
        assertFalse(lists.isEmpty());
        for (Path list : lists) {
            Path model = list.resolveSibling(list.getFileName().toString().replace(".tensors.txt", ".gguf"));
            List<String> expected = new ArrayList<>();
            long dataStart = -1;
            for (String line : Files.readAllLines(list)) {
                if (line.startsWith("#")) {
                    int at = line.indexOf("tensor data starts at byte ");
                    if (at >= 0) {
                        dataStart = Long.parseLong(line.substring(at + 27).trim());
                    }
                    continue;
                }
                expected.add(line.replace(" ", ""));
            }
            try (GgufFile gguf = GgufFile.open(model)) {
                List<String> actual = new ArrayList<>();
                for (TensorInfo t : gguf.tensors()) {
                    StringBuilder shape = new StringBuilder("[");
                    for (int i = 0; i < t.rank(); i++) {
                        shape.append(i == 0 ? "" : ",").append(t.dim(i));
                    }
                    actual.add(String.join("\t", t.name(), t.type().name(), shape + "]",
                            Long.toString(t.sizeBytes()), Long.toString(t.offsetBytes())));
                }
                assertEquals(expected, actual, model.getFileName().toString());
                assertEquals(dataStart, gguf.dataOffsetBytes(), model.getFileName() + " data start");
            }
        }
    }

    @Test
    void stories260K_headerAsDocumented() throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.require("real/stories260K.gguf"))) {
            assertEquals(48, gguf.tensors().size());
            assertEquals(19, gguf.metadata().size());
            assertEquals(14_176, gguf.dataOffsetBytes());
            assertEquals(512, gguf.metadata().getStrings("tokenizer.ggml.tokens").size());
            assertEquals(4294967295L, gguf.metadata().getLong("tokenizer.ggml.padding_token_id"));
            assertArrayEquals(new long[] {64, 512}, gguf.tensor("token_embd.weight").shape());
            Map<GgmlType, Integer> types = new HashMap<>();
            gguf.tensors().forEach(t -> types.merge(t.type(), 1, Integer::sum));
            assertEquals(Map.of(GgmlType.F32, 48), types);
        }
    }

    @Test
    void tinyStoriesQ2K_readsEachTensorsOwnType() throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.require("real/TinyStories-656K-Q2_K.gguf"))) {
            assertEquals(10, gguf.metadata().getInt("general.file_type"), "the file claims Q2_K");
            assertEquals(GgmlType.IQ4_NL, gguf.tensor("blk.0.attn_q.weight").type());
            assertEquals(GgmlType.Q8_0, gguf.tensor("token_embd.weight").type());
            assertEquals(GgmlType.F32, gguf.tensor("output_norm.weight").type());
        }
    }
}
