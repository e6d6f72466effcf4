package dev.kiln.cuda;

import dev.kiln.core.arch.Architectures;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.RopeScaling;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** -ngl auto on the CUDA backend: slot costs from the tensor table and the F16 cache, then llama.cpp's slot order. */
class DeviceFitTest {
    static final int BLOCKS = 32, DIM = 4096, FFN = 14336, HEADS = 32, KV_HEADS = 8, HEAD = 128, VOCAB = 32768;

    static HyperParams mistral7b() {
        int[] ff = new int[BLOCKS], heads = new int[BLOCKS], kv = new int[BLOCKS];
        java.util.Arrays.fill(ff, FFN);
        java.util.Arrays.fill(heads, HEADS);
        java.util.Arrays.fill(kv, KV_HEADS);
        return new HyperParams(Architectures.LLAMA, BLOCKS, DIM, ff, heads, kv, HEAD, HEAD, 32768, HEAD, 1e6f,
                RopeScaling.NONE, 0f, 0, 1e-5f, VOCAB, false);
    }

    /** A Mistral-7B Q4_K_M-like tensor table: Q4_K matrices, F32 norms, Q6_K output, token_embd Q4_K. */
    static List<TensorInfo> tensors(boolean tied) {
        List<TensorInfo> t = new ArrayList<>();
        t.add(new TensorInfo("token_embd.weight", new long[] {DIM, VOCAB}, GgmlType.Q4_K, 0));
        if (!tied) {
            t.add(new TensorInfo("output.weight", new long[] {DIM, VOCAB}, GgmlType.Q6_K, 0));
        }
        t.add(new TensorInfo("output_norm.weight", new long[] {DIM}, GgmlType.F32, 0));
        for (int l = 0; l < BLOCKS; l++) {
            String p = "blk." + l + ".";
            t.add(new TensorInfo(p + "attn_q.weight", new long[] {DIM, HEADS * HEAD}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "attn_k.weight", new long[] {DIM, KV_HEADS * HEAD}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "attn_v.weight", new long[] {DIM, KV_HEADS * HEAD}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "attn_output.weight", new long[] {HEADS * HEAD, DIM}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "ffn_gate.weight", new long[] {DIM, FFN}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "ffn_up.weight", new long[] {DIM, FFN}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "ffn_down.weight", new long[] {FFN, DIM}, GgmlType.Q4_K, 0));
            t.add(new TensorInfo(p + "attn_norm.weight", new long[] {DIM}, GgmlType.F32, 0));
            t.add(new TensorInfo(p + "ffn_norm.weight", new long[] {DIM}, GgmlType.F32, 0));
        }
        return t;
    }

    // Hand-computed: Q4_K is 144 bytes per 256 weights, Q6_K 210.
    static final long BLOCK_WEIGHTS = 2L * 4096 * 4096 / 256 * 144        // attn_q, attn_output: 9,437,184 each
            + 2L * 1024 * 4096 / 256 * 144                                // attn_k, attn_v: 2,359,296 each
            + 3L * 14336 * 4096 / 256 * 144                               // gate, up, down: 33,030,144 each
            + 2L * 4096 * 4;                                              // norms
    static final long KV_4096 = 2L * (1024 + 1024) * 4096;                // F16 keys + values, 4096 cells
    static final long OUTPUT = 32768L * 4096 / 256 * 210 + 4096 * 4;      // Q6_K output + output_norm

    @Test
    void slotCostsAreWeightsPlusF16Cache() {
        DeviceFit fit = DeviceFit.of(tensors(false), mistral7b(), 4096, 512, 1, false);
        assertEquals(122_716_160L, BLOCK_WEIGHTS);
        for (long b : fit.blockBytes()) {
            assertEquals(BLOCK_WEIGHTS + KV_4096, b);
        }
        assertEquals(OUTPUT, fit.outputBytes());
        assertEquals(DeviceFit.MARGIN_BYTES, fit.marginBytes());
        assertTrue(fit.fixedBytes() >= DeviceFit.activationBytes(mistral7b(), 512, 1), "fixed includes the activations");
    }

    @Test
    void tiedOutputCostsTheEmbeddingTable() {
        DeviceFit fit = DeviceFit.of(tensors(true), mistral7b(), 4096, 1, 1, false);
        assertEquals(32768L * 4096 / 256 * 144 + 4096 * 4, fit.outputBytes());
    }

    @Test
    void autoOffloadsOutputFirstThenTheLastBlocksThatFit() {
        DeviceFit fit = DeviceFit.of(tensors(false), mistral7b(), 4096, 512, 1, true);
        long base = fit.fixedBytes() + fit.marginBytes() + OUTPUT, block = BLOCK_WEIGHTS + KV_4096;
        // table: free memory -> offloaded slots (llama.cpp -ngl k)
        long[][] table = {
                {base - 1, 0},
                {base, 1},
                {base + block - 1, 1},
                {base + block, 2},
                {base + 10 * block + 5, 11},
                {base + 31 * block, 32},
                {base + 32 * block, 33},
                {base + 40 * block, 33},
        };
        for (long[] row : table) {
            var p = fit.placement(row[0]);
            assertEquals(row[1], p.offloadedSlots(), "free " + row[0]);
            if (row[1] >= 1) {
                assertTrue(p.outputOffloaded());
                assertTrue(row[1] == 1 || p.blockOffloaded(BLOCKS - 1), "the last block goes first");
                assertTrue(row[1] == 33 || !p.blockOffloaded(0), "block 0 goes last");
            }
            assertEquals(row[1] == 0 ? 0 : base - fit.marginBytes() + (row[1] - 1) * block, fit.bytesFor((int) row[1]));
        }
    }

    @Test
    void workspaceGrowsWithContextSplitsAndCublasPrefill() {
        HyperParams hp = mistral7b();
        long small = Workspace.bytes(hp, 1, 512, false), longCtx = Workspace.bytes(hp, 1, 16384, false);
        assertTrue(longCtx > small, "more attention splits for a longer context");
        assertEquals(16, Workspace.splits(4096));
        assertEquals(64, Workspace.splits(1 << 20));
        assertEquals(1, Workspace.splits(1));
        long own = Workspace.bytes(hp, 512, 4096, false), cublas = Workspace.bytes(hp, 512, 4096, true);
        assertTrue(cublas - own >= 2L * FFN * DIM, "cuBLAS needs the F16 copy of the largest block matrix");
    }
}
