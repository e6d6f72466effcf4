package dev.kiln.core.arch;

import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

class HyperParamsTest {

    private static HyperParams read(String file) throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.require(file))) {
            return HyperParams.read(gguf);
        }
    }

    @Test
    void readsLlamaSmall() throws IOException {
        HyperParams hp = read("synthetic/llama-small.Q4_K_M.gguf");
        assertEquals(Architectures.LLAMA, hp.architecture());
        assertEquals(4, hp.blockCount());
        assertEquals(256, hp.embeddingLength());
        assertEquals(768, hp.feedForwardLength(3));
        assertEquals(8, hp.headCount(0));
        assertEquals(2, hp.headCountKv(0));
        assertEquals(32, hp.keyLength());
        assertEquals(32, hp.ropeDimensionCount());
        assertEquals(1e6f, hp.ropeFreqBase());
        assertEquals(1e-5f, hp.rmsEpsilon());
        assertEquals(32000, hp.vocabSize());
        assertFalse(hp.tiedOutput());
        assertEquals(RopeScalingType.NONE, hp.ropeScaling().type());
        assertEquals(0f, hp.attentionTemperatureScale());
    }

    @Test
    void readsQwen3SmallWithTiedOutputAndKeyLength() throws IOException {
        HyperParams hp = read("synthetic/qwen3-small.Q4_K_M.gguf");
        assertEquals(Architectures.QWEN3, hp.architecture());
        assertEquals(64, hp.keyLength());
        assertEquals(64, hp.valueLength());
        assertEquals(64, hp.ropeDimensionCount());
        assertEquals(512, hp.queryLength(0));
        assertEquals(128, hp.keyWidth(0));
        assertEquals(151936, hp.vocabSize());
        assertTrue(hp.tiedOutput());
        assertEquals(1e-6f, hp.rmsEpsilon());
    }

    @Test
    void readsMistral3YarnAndTemperature() throws IOException {
        HyperParams hp = read("synthetic/mistral3-small.Q4_K_M.gguf");
        assertEquals(Architectures.MISTRAL3, hp.architecture());
        RopeScaling s = hp.ropeScaling();
        assertEquals(RopeScalingType.YARN, s.type());
        assertEquals(48f, s.factor());
        assertEquals(8192, s.originalContextLength());
        assertEquals(32f, s.betaFast());
        assertEquals(1f, s.betaSlow());
        assertEquals(1f, s.logMultiplier());
        assertEquals(0.1f, hp.attentionTemperatureScale(), 1e-7);
        assertEquals(8192, hp.attentionTemperatureLength());
        assertEquals(393216, hp.contextLength());
    }

    @Test
    void qwen3IgnoresYarnAttnFactorAndLogMultiplier() throws IOException {
        HyperParams hp = read("synthetic/qwen3-yarn-small.Q4_K_M.gguf");
        assertEquals(RopeScalingType.YARN, hp.ropeScaling().type());
        assertEquals(4f, hp.ropeScaling().factor());
        assertEquals(32768, hp.ropeScaling().originalContextLength());
        assertEquals(0f, hp.ropeScaling().logMultiplier());
        assertEquals(1f, hp.ropeScaling().attnFactor());
        assertFalse(hp.tiedOutput());
    }

    @Test
    void readsRealTinyModels() throws IOException {
        HyperParams hp = read("real/stories260K.gguf");
        assertEquals(5, hp.blockCount());
        assertEquals(64, hp.embeddingLength());
        assertEquals(8, hp.headCount(0));
        assertEquals(4, hp.headCountKv(0));
        assertEquals(512, hp.vocabSize());
        HyperParams tiny = read("real/TinyStories-656K.f16.gguf");
        assertTrue(tiny.tiedOutput());
        assertEquals(2048, tiny.vocabSize());
        assertEquals(16, tiny.keyLength());
    }

    @Test
    void perLayerHeadCountsAndAllProblemsReportedTogether() {
        Metadata md = Metadata.builder()
                .putUint32("llama.block_count", 3).putUint32("llama.embedding_length", 64).putUint32("llama.context_length", 128)
                .putUint32("llama.feed_forward_length", 96).putInts("llama.attention.head_count", new int[] {4, 4, 8})
                .putInts("llama.attention.head_count_kv", new int[] {2, 4, 2}).build();
        HyperParams hp = HyperParams.read(md, Architectures.LLAMA, true, 100);
        assertEquals(8, hp.headCount(2));
        assertEquals(4, hp.headCountKv(1));
        assertEquals(16, hp.keyLength()); // 64 / head_count of block 0

        Metadata bad = Metadata.builder()
                .putUint32("llama.block_count", 2).putUint32("llama.embedding_length", 64).putUint32("llama.context_length", 128)
                .putUint32("llama.feed_forward_length", 96).putUint32("llama.attention.head_count", 4)
                .putUint32("llama.attention.head_count_kv", 3).putFloat32("llama.rope.freq_base", -1f).build();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> HyperParams.read(bad, Architectures.LLAMA, true, 100));
        assertTrue(e.problems().size() >= 3, e.getMessage()); // head_count_kv of blocks 0 and 1, freq_base
        assertTrue(e.getMessage().contains("head_count_kv of block 0"), e.getMessage());
        assertTrue(e.getMessage().contains("rope.freq_base"), e.getMessage());
    }

    @Test
    void missingKeysAreNamed() {
        Metadata md = Metadata.builder().putUint32("qwen2.block_count", 2).build();
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class,
                () -> HyperParams.read(md, Architectures.QWEN2, true, 100));
        assertTrue(e.getMessage().contains("qwen2.embedding_length"), e.getMessage());
        assertTrue(e.getMessage().contains("qwen2.attention.head_count"), e.getMessage());
    }

    @Test
    void unknownArchitectureListsSupported() {
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> Architectures.forName("gpt2"));
        assertEquals("architecture 'gpt2' is not supported (supported: llama, mistral3, qwen2, qwen3)", e.getMessage());
    }

    @Test
    void tensorNamesFollowGguf() {
        assertEquals("blk.3.attn_q.weight", TensorRole.ATTN_Q.tensorName(3));
        assertEquals("blk.0.attn_k.bias", TensorRole.ATTN_K_BIAS.tensorName(0));
        assertEquals("output.weight", TensorRole.OUTPUT.tensorName());
        assertEquals("qwen2.attention.head_count_kv", HParam.HEAD_COUNT_KV.key(Architectures.QWEN2));
    }
}
