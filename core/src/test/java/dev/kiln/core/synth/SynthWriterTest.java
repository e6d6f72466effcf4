package dev.kiln.core.synth;

import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small synthetic files written, read back with {@link GgufFile}, and their contents checked block by block. */
class SynthWriterTest {

    private static final ValueLayout.OfShort F16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    static ModelShape small(ModelShape base) {
        return base.with(Map.of("block_count", "2", "embedding_length", "256", "feed_forward_length", "512",
                "attention.head_count", "4", "attention.head_count_kv", "2", "attention.key_length", "64",
                "vocab_size", base.vocab() == VocabKind.LLAMA_SPM ? "1000" : "1600"));
    }

    @Test
    void everyMixRoundTripsWithValidBlocks() throws IOException {
        for (ModelShape base : List.of(ModelShapes.TINYLLAMA_1_1B, ModelShapes.QWEN3_8B)) {
            ModelShape shape = small(base);
            for (QuantMix mix : QuantMix.values()) {
                Path path = dir.resolve(shape.name() + "." + mix + ".gguf");
                SynthWriter writer = new SynthWriter(shape, mix, 7, null);
                SynthWriter.Result result = writer.write(path, null);
                assertEquals(Files.size(path), result.fileBytes());
                assertFalse(Files.exists(path.resolveSibling(path.getFileName() + ".part")));
                try (GgufFile file = GgufFile.open(path)) {
                    Metadata md = file.metadata();
                    String a = shape.architecture() + ".";
                    assertEquals(shape.architecture(), md.getString("general.architecture"));
                    assertEquals(2, md.getInt(a + "block_count"));
                    assertEquals(mix.fileType(), md.getInt("general.file_type"));
                    assertEquals(shape.vocabSize(), md.getArray("tokenizer.ggml.tokens").size());
                    List<TensorPlan.Entry> plan = writer.plan();
                    assertEquals(plan.size(), file.tensors().size());
                    for (int i = 0; i < plan.size(); i++) {
                        TensorInfo info = file.tensors().get(i);
                        assertEquals(plan.get(i).name(), info.name());
                        assertEquals(plan.get(i).type(), info.type());
                        assertArrayEquals(plan.get(i).shape(), info.shape());
                        checkContents(file.tensor(info.name()), QuantMix.isNorm(plan.get(i).role()), mix + " " + info.name());
                    }
                }
            }
        }
    }

    /** Every f16 scale finite and in the range RandomBlocks promises; simple types' values of std about 0.02. */
    private static void checkContents(TensorData tensor, boolean norm, String where) {
        TensorInfo info = tensor.info();
        MemorySegment data = tensor.segment();
        GgmlType type = info.type();
        long n = info.elementCount();
        if (type == GgmlType.F32) {
            double[] v = new double[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = data.getAtIndex(F32, i);
            }
            assertStats(v, norm ? 1.0 : 0.0, SynthWriter.NORM_STD, where);
            return;
        }
        if (type == GgmlType.F16) {
            double[] v = new double[(int) n];
            for (int i = 0; i < n; i++) {
                v[i] = Float.float16ToFloat(data.getAtIndex(F16, i));
            }
            assertStats(v, 0.0, SynthWriter.WEIGHT_STD, where);
            return;
        }
        RandomBlocks.Layout layout = RandomBlocks.layout(type);
        double base = SynthWriter.WEIGHT_STD / layout.unit();
        long blocks = n / type.blockSize();
        int bpb = type.bytesPerBlock();
        for (long b = 0; b < blocks; b++) {
            float d = Float.float16ToFloat(data.get(F16, b * bpb + layout.dOffset()));
            assertTrue(Float.isFinite(d) && d >= base * 0.49 && d <= base * 1.51,
                    where + ": block " + b + " d = " + d + ", expected " + base + " x (0.5 .. 1.5)");
            if (layout.dminOffset() >= 0) {
                float dmin = Float.float16ToFloat(data.get(F16, b * bpb + layout.dminOffset()));
                double ratio = dmin / d;
                assertTrue(ratio > layout.minRatio() * 0.89 && ratio < layout.minRatio() * 1.11,
                        where + ": block " + b + " dmin/d = " + ratio);
            }
        }
        if (type == GgmlType.Q8_0 || type == GgmlType.Q4_0) { // dequantize: d * q, d * (nibble - 8)
            double[] v = new double[(int) n];
            for (long b = 0; b < blocks; b++) {
                float d = Float.float16ToFloat(data.get(F16, b * bpb));
                for (int j = 0; j < 32; j++) {
                    int q;
                    if (type == GgmlType.Q8_0) {
                        q = data.get(ValueLayout.JAVA_BYTE, b * bpb + 2 + j);
                    } else {
                        int byt = data.get(ValueLayout.JAVA_BYTE, b * bpb + 2 + (j % 16)) & 0xFF;
                        q = (j < 16 ? byt & 0xF : byt >> 4) - 8;
                    }
                    v[(int) (b * 32 + j)] = d * q;
                }
            }
            assertStats(v, 0.0, SynthWriter.WEIGHT_STD, where);
        }
    }

    private static void assertStats(double[] v, double mean, double std, String where) {
        double m = Arrays.stream(v).average().orElseThrow();
        double s = Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).average().orElseThrow());
        assertEquals(mean, m, std * 0.2, where + ": mean");
        assertEquals(std, s, std * 0.2, where + ": standard deviation");
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        ModelShape shape = small(ModelShapes.MISTRAL_7B_V03);
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        new SynthWriter(shape, QuantMix.Q4_K_M, 1, null).write(a, null);
        new SynthWriter(shape, QuantMix.Q4_K_M, 1, null).write(b, null);
        new SynthWriter(shape, QuantMix.Q4_K_M, 2, null).write(c, null);
        assertEquals(-1, Files.mismatch(a, b));
        assertTrue(Files.mismatch(a, c) >= 0);
    }

    /** The metadata of a real llama.cpp file, rebuilt from its shape: same keys, types and values. */
    @Test
    void metadataMatchesTheSyntheticTestModels() throws IOException {
        for (String name : List.of("llama-small.Q4_K_M", "mistral3-small.Q4_K_M", "qwen3-yarn-small.Q4_K_M",
                "qwen3-small.Q4_K_M")) {
            try (GgufFile real = GgufFile.open(TestData.require("synthetic/" + name + ".gguf"))) {
                ModelShape shape = ModelShape.of(name, real);
                Metadata ours = new SynthWriter(shape, QuantMix.Q4_K_M, 1,
                        SyntheticVocab.copyFrom(real.metadata())).metadata();
                for (String key : real.metadata().keys()) {
                    assertTrue(ours.contains(key), name + ": missing " + key);
                    assertEquals(real.metadata().get(key), ours.get(key), name + ": " + key);
                }
                assertEquals(real.metadata().keys(), ours.keys(), name + ": key set");
                List<TensorInfo> infos = new SynthWriter(shape, QuantMix.Q4_K_M, 1,
                        SyntheticVocab.copyFrom(real.metadata())).tensorInfos();
                assertEquals(real.tensors().size(), infos.size());
                for (int i = 0; i < infos.size(); i++) {
                    assertEquals(real.tensors().get(i).name(), infos.get(i).name());
                    assertEquals(real.tensors().get(i).offsetBytes(), infos.get(i).offsetBytes());
                }
            }
        }
    }

    @Test
    void aVocabularyOfTheWrongSizeIsRejected() throws IOException {
        try (GgufFile vocab = GgufFile.open(TestData.require("vocab/ggml-vocab-llama-spm.gguf"))) {
            Metadata tokenizer = SyntheticVocab.copyFrom(vocab.metadata());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> new SynthWriter(ModelShapes.MISTRAL_7B_V03, QuantMix.Q4_K_M, 1, tokenizer));
            assertTrue(e.getMessage().contains("32000") && e.getMessage().contains("32768"), e.getMessage());
            new SynthWriter(ModelShapes.TINYLLAMA_1_1B, QuantMix.Q4_K_M, 1, tokenizer); // same size: fine
        }
    }
}
