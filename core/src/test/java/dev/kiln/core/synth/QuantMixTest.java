package dev.kiln.core.synth;

import dev.kiln.core.arch.TensorRole;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufFile;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-tensor type rule against llama-quantize's own output: every {@code *.tensors.txt} of the synthetic
 * test models (name, type, shape, bytes and offset of each tensor, in file order).
 */
class QuantMixTest {

    private static final Pattern HEADER = Pattern.compile("# (\\S+)\\.gguf: (\\d+) tensors; general.file_type = (\\d+);.*");

    @Test
    void planMatchesEveryTensorsTxt() throws IOException {
        List<Path> lists = TestData.files("synthetic", ".tensors.txt");
        assertFalse(lists.isEmpty(), "no *.tensors.txt in the test data's synthetic/");
        for (Path list : lists) {
            String model = list.getFileName().toString().replace(".tensors.txt", "");
            QuantMix mix = QuantMix.byName(model.substring(model.indexOf('.') + 1));
            List<String> lines = Files.readAllLines(list);
            Matcher header = HEADER.matcher(lines.getFirst());
            assertTrue(header.matches(), list + ": " + lines.getFirst());
            assertEquals(mix.fileType(), Integer.parseInt(header.group(3)), model + ": general.file_type");

            ModelShape shape;
            try (GgufFile file = GgufFile.open(list.resolveSibling(model + ".gguf"))) {
                shape = ModelShape.of(model, file);
            }
            List<TensorPlan.Entry> plan = TensorPlan.of(shape, mix);
            List<String[]> rows = new ArrayList<>();
            for (String line : lines) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    rows.add(line.split("\t"));
                }
            }
            assertEquals(Integer.parseInt(header.group(2)), rows.size(), model + ": tensor count in the header");
            assertEquals(rows.size(), plan.size(), model + ": tensor count");
            long offset = 0;
            for (int i = 0; i < rows.size(); i++) {
                String[] row = rows.get(i);
                TensorPlan.Entry e = plan.get(i);
                String where = model + " tensor " + i + " (" + row[0] + ")";
                assertEquals(row[0], e.name(), where + ": name/order");
                assertEquals(GgmlType.valueOf(row[1]), e.type(), where + ": type");
                assertEquals(row[2], Arrays.toString(e.shape()).replace(" ", ""), where + ": shape");
                assertEquals(Long.parseLong(row[3]), e.sizeBytes(), where + ": bytes");
                offset = (offset + 31) / 32 * 32;
                assertEquals(Long.parseLong(row[4]), offset, where + ": offset");
                offset += e.sizeBytes();
            }
        }
    }

    @Test
    void useMoreBitsIsLlamaCppsRule() {
        // n = 32: first 4, last 4, and every third in between starting at 6 (4 + 2)
        List<Integer> more = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            if (QuantMix.useMoreBits(i, 32)) {
                more.add(i);
            }
        }
        assertEquals(List.of(0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31), more);
    }

    @Test
    void q4KMOfMistral7bHasTheKnownCountsOfQ6K() {
        // llama.cpp's Mistral-7B Q4_K_M: 16 attn_v and 16 ffn_down in Q6_K, plus output (33 Q6_K tensors)
        List<TensorPlan.Entry> plan = TensorPlan.of(ModelShapes.MISTRAL_7B_V03, QuantMix.Q4_K_M);
        long q6 = plan.stream().filter(e -> e.type() == GgmlType.Q6_K).count();
        assertEquals(33, q6);
        assertEquals(GgmlType.Q6_K, plan.stream().filter(e -> e.name().equals("output.weight")).findFirst()
                .orElseThrow().type());
    }

    @Test
    void tiedOutputGivesTheEmbeddingTheOutputType() {
        ModelShape tied = new ModelShape("t", "qwen3", "t", 2, 256, 512, 4, 2, 64, 1000, 512, 1e6f, 1e-6f, true,
                VocabKind.QWEN2, java.util.Map.of());
        assertEquals(GgmlType.Q6_K, QuantMix.Q4_K_M.typeOf(TensorRole.TOKEN_EMBD, -1, 256, tied));
        assertEquals(GgmlType.Q8_0, QuantMix.Q8_0.typeOf(TensorRole.TOKEN_EMBD, -1, 256, tied));
        assertEquals(GgmlType.F16, QuantMix.F16.typeOf(TensorRole.TOKEN_EMBD, -1, 256, tied));
        assertEquals(GgmlType.F32, QuantMix.F16.typeOf(TensorRole.ATTN_Q_NORM, 0, 64, tied));
        assertThrows(IllegalArgumentException.class, () -> QuantMix.Q4_K_M.typeOf(TensorRole.ATTN_Q, 0, 200, tied));
        assertThrows(IllegalArgumentException.class, () -> QuantMix.byName("Q5_K_Z"));
    }
}
