package dev.kiln.core.model;

import dev.kiln.core.arch.UnsupportedModelException;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufWriter;
import dev.kiln.gguf.Metadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

class ModelLoaderTest {
    static final int DIM = 8;
    static final int FF = 16;
    static final int VOCAB = 10;

    /** A 1-block llama (2 heads of 4, 1 KV head) with every tensor; {@code keep} filters them, {@code kWidth} shapes attn_k. */
    static Path write(Path dir, Predicate<String> keep, int kWidth, GgmlType normType) throws IOException {
        return write(dir, keep, kWidth, normType, 1);
    }

    static Path write(Path dir, Predicate<String> keep, int kWidth, GgmlType normType, int blockCount) throws IOException {
        Metadata md = Metadata.builder().putString("general.architecture", "llama")
                .putUint32("llama.block_count", blockCount).putUint32("llama.embedding_length", DIM)
                .putUint32("llama.context_length", 64).putUint32("llama.feed_forward_length", FF)
                .putUint32("llama.attention.head_count", 2).putUint32("llama.attention.head_count_kv", 1)
                .putUint32("llama.vocab_size", VOCAB).build();
        GgufWriter w = new GgufWriter(md);
        add(w, keep, "token_embd.weight", GgmlType.F32, DIM, VOCAB);
        add(w, keep, "output_norm.weight", normType, DIM);
        add(w, keep, "blk.0.attn_norm.weight", normType, DIM);
        add(w, keep, "blk.0.attn_q.weight", GgmlType.F32, DIM, DIM);
        add(w, keep, "blk.0.attn_k.weight", GgmlType.F32, DIM, kWidth);
        add(w, keep, "blk.0.attn_v.weight", GgmlType.F32, DIM, 4);
        add(w, keep, "blk.0.attn_output.weight", GgmlType.F32, DIM, DIM);
        add(w, keep, "blk.0.ffn_norm.weight", GgmlType.F32, DIM);
        add(w, keep, "blk.0.ffn_gate.weight", GgmlType.F32, DIM, FF);
        add(w, keep, "blk.0.ffn_up.weight", GgmlType.F32, DIM, FF);
        add(w, keep, "blk.0.ffn_down.weight", GgmlType.F32, FF, DIM);
        Path file = dir.resolve("tiny.gguf");
        w.write(file);
        return file;
    }

    private static void add(GgufWriter w, Predicate<String> keep, String name, GgmlType type, long... shape) {
        if (keep.test(name)) {
            w.addTensor(name, type, shape, GgufWriter.TensorSource.zeros());
        }
    }

    @Test
    void resolvesEveryRoleAndTiesTheOutput(@TempDir Path dir) throws IOException {
        try (GgufModel m = ModelLoader.load(write(dir, n -> true, 4, GgmlType.F32))) {
            assertTrue(m.hyperParams().tiedOutput());
            assertSame(m.weights().tokenEmbd(), m.weights().output());
            assertEquals("blk.0.ffn_down.weight", m.weights().layer(0).ffnDown().name());
            assertNull(m.weights().layer(0).attnQBias());
        }
    }

    @Test
    void reportsEveryProblemInOneException(@TempDir Path dir) throws IOException {
        Path file = write(dir, n -> !n.equals("blk.0.ffn_down.weight"), 8, GgmlType.F16);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> ModelLoader.load(file));
        assertEquals(4, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("tensor blk.0.ffn_down.weight: missing (expected [16, 8])"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor blk.0.attn_k.weight: expected [8, 4], found [8, 8] F32"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor output_norm.weight: expected [8] F32, found [8] F16"), e.getMessage());
        assertTrue(e.getMessage().contains("tensor blk.0.attn_norm.weight: expected [8] F32, found [8] F16"), e.getMessage());
    }

    @Test
    void rejectsTensorsOfBlocksPastTheBlockCount(@TempDir Path dir) throws IOException {
        // the metadata says 1 block, the file holds 2: llama.cpp refuses it; silently running block 0 only would be wrong
        Path extra = writeWithExtraBlock(dir);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> ModelLoader.load(extra));
        assertTrue(e.getMessage().contains("tensor blk.1.attn_q.weight: belongs to block 1 but llama.block_count is 1"),
                e.getMessage());
    }

    @Test
    void aBlockCountOfZeroIsAHyperparameterError(@TempDir Path dir) throws IOException {
        Path file = write(dir, n -> true, 4, GgmlType.F32, 0);
        UnsupportedModelException e = assertThrows(UnsupportedModelException.class, () -> ModelLoader.load(file));
        assertTrue(e.getMessage().contains("block_count"), e.getMessage());
    }

    private static Path writeWithExtraBlock(Path dir) throws IOException {
        Metadata md = Metadata.builder().putString("general.architecture", "llama")
                .putUint32("llama.block_count", 1).putUint32("llama.embedding_length", DIM)
                .putUint32("llama.context_length", 64).putUint32("llama.feed_forward_length", FF)
                .putUint32("llama.attention.head_count", 2).putUint32("llama.attention.head_count_kv", 1)
                .putUint32("llama.vocab_size", VOCAB).build();
        GgufWriter w = new GgufWriter(md);
        w.addTensor("token_embd.weight", GgmlType.F32, new long[] {DIM, VOCAB}, GgufWriter.TensorSource.zeros());
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {DIM}, GgufWriter.TensorSource.zeros());
        for (int l = 0; l < 2; l++) {
            String b = "blk." + l + ".";
            w.addTensor(b + "attn_norm.weight", GgmlType.F32, new long[] {DIM}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "attn_q.weight", GgmlType.F32, new long[] {DIM, DIM}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "attn_k.weight", GgmlType.F32, new long[] {DIM, 4}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "attn_v.weight", GgmlType.F32, new long[] {DIM, 4}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "attn_output.weight", GgmlType.F32, new long[] {DIM, DIM}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {DIM}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "ffn_gate.weight", GgmlType.F32, new long[] {DIM, FF}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "ffn_up.weight", GgmlType.F32, new long[] {DIM, FF}, GgufWriter.TensorSource.zeros());
            w.addTensor(b + "ffn_down.weight", GgmlType.F32, new long[] {FF, DIM}, GgufWriter.TensorSource.zeros());
        }
        Path file = dir.resolve("extra-block.gguf");
        w.write(file);
        return file;
    }
}
