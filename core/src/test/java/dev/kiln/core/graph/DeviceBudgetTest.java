package dev.kiln.core.graph;

import dev.kiln.core.arch.Architectures;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.RopeScaling;
import dev.kiln.core.model.GgufModel;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one memory estimate: slot costs, -ngl auto's order, and what -ngl 1 really allocates on the accelerator. */
class DeviceBudgetTest {
    static final int BLOCKS = 32, DIM = 4096, FFN = 14336, HEADS = 32, KV_HEADS = 8, HEAD = 128, VOCAB = 32768;

    static HyperParams mistral7b() {
        int[] ff = new int[BLOCKS], heads = new int[BLOCKS], kv = new int[BLOCKS];
        java.util.Arrays.fill(ff, FFN);
        java.util.Arrays.fill(heads, HEADS);
        java.util.Arrays.fill(kv, KV_HEADS);
        return new HyperParams(Architectures.LLAMA, BLOCKS, DIM, ff, heads, kv, HEAD, HEAD, 32768, HEAD, 1e6f,
                RopeScaling.NONE, 0f, 0, 1e-5f, VOCAB, false);
    }

    // Hand-computed: Q4_K is 144 bytes per 256 weights, Q6_K 210.
    static final long BLOCK_WEIGHTS = 2L * 4096 * 4096 / 256 * 144 + 2L * 1024 * 4096 / 256 * 144 + 3L * 14336 * 4096 / 256 * 144
            + 2L * 4096 * 4;
    static final long KV_4096 = 2L * (1024 + 1024) * 4096;                // F16 keys + values, 4096 cells
    static final long OUTPUT = 32768L * 4096 / 256 * 210 + 4096 * 4;      // Q6_K output + output_norm

    static DeviceBudget budget(long workspace, long context) {
        long[] blocks = new long[BLOCKS];
        java.util.Arrays.fill(blocks, BLOCK_WEIGHTS);
        return DeviceBudget.of(blocks, OUTPUT, mistral7b(), GgmlType.F16, 4096, 512, workspace, context);
    }

    @Test
    void slotCostsAreWeightsPlusF16Cache() {
        assertEquals(122_716_160L, BLOCK_WEIGHTS);
        DeviceBudget b = budget(0, 0);
        for (long kv : b.blockKvBytes()) {
            assertEquals(KV_4096, kv);
        }
        DeviceBudget.Parts all = b.parts(Placement.gpuLayers(BLOCKS, 33));
        assertEquals(BLOCKS * BLOCK_WEIGHTS + OUTPUT, all.weights());
        assertEquals(BLOCKS * KV_4096, all.kv());
        assertEquals(4 * Activations.floats(mistral7b(), 512, Activations.logitChunk(mistral7b(), 512)), all.activations());
        assertEquals(new DeviceBudget.Parts(0, 0, 0, 0, 0), b.parts(Placement.cpuOnly(BLOCKS)));
    }

    @Test
    void autoOffloadsOutputFirstThenTheLastBlocksThatFit() {
        long workspace = 100L << 20;
        DeviceBudget b = budget(workspace, 300L << 20);
        long base = b.activationBytes(true, true) + workspace + DeviceBudget.MARGIN_BYTES + OUTPUT, block = BLOCK_WEIGHTS + KV_4096;
        long[][] table = {{base - 1, 0}, {base, 1}, {base + block - 1, 1}, {base + block, 2}, {base + 10 * block + 5, 11},
                {base + 31 * block, 32}, {base + 32 * block, 33}, {base + 40 * block, 33}};
        for (long[] row : table) {
            Placement p = b.fit(row[0]);
            assertEquals(row[1], p.offloadedSlots(), "free " + row[0]);
            if (row[1] >= 1) {
                assertTrue(p.outputOffloaded());
                assertTrue(row[1] == 1 || p.blockOffloaded(BLOCKS - 1), "the last block goes first");
                assertTrue(row[1] == 33 || !p.blockOffloaded(0), "block 0 goes last");
            }
        }
    }

    @Test
    void theOutputHeadAloneNeedsNoBlockActivations() {
        DeviceBudget b = budget(0, 0);
        HyperParams hp = mistral7b();
        int logitRows = Activations.logitChunk(hp, 512);
        DeviceBudget.Parts one = b.parts(Placement.gpuLayers(BLOCKS, 1));
        assertEquals(4L * (512 * DIM + (long) logitRows * (DIM + VOCAB)), one.activations(),
                "the residual stream, the gathered logit rows and the logits");
        assertTrue(b.parts(Placement.gpuLayers(BLOCKS, 2)).activations() > one.activations() + (80L << 20),
                "a block needs the attention and FFN buffers (92 MiB at 512 rows)");
    }

    @Test
    void withOnlyTheOutputHeadTheAcceleratorAllocatesOnlyItsBuffers(@TempDir Path dir) throws IOException {
        try (GgufModel m = SmallModel.load(dir)) {
            var hp = m.hyperParams();
            int rows = 64, logitRows = Activations.logitChunk(hp, rows);
            for (int ngl : new int[] {1, 2}) {
                CountingBackend cpu = new CountingBackend("cpu"), gpu = new CountingBackend("gpu");
                try (Forward f = new Forward(m, Placement.gpuLayers(hp.blockCount(), ngl), cpu, gpu, rows)) {
                    long want = Activations.floats(hp, rows, logitRows, ngl > 1);
                    assertEquals(want, gpu.allocatedFloats, "-ngl " + ngl);
                    DeviceBudget budget = DeviceBudget.of(m.weights(), hp, GgmlType.F16, 256, rows, gpu);
                    assertEquals(4 * gpu.allocatedFloats, budget.parts(Placement.gpuLayers(hp.blockCount(), ngl)).activations(),
                            "the estimate is what is allocated");
                    assertEquals(budget.parts(Placement.gpuLayers(hp.blockCount(), ngl)).weights(), gpu.uploadedBytes);
                }
            }
            CountingBackend cpu = new CountingBackend("cpu"), gpu = new CountingBackend("gpu");
            try (Forward f = new Forward(m, Placement.gpuLayers(hp.blockCount(), 1), cpu, gpu, rows)) {
                assertEquals(3, gpu.allocations, "-ngl 1: x, the gathered rows and the logits");
                assertEquals((long) rows * hp.embeddingLength() + (long) logitRows * (hp.embeddingLength() + hp.vocabSize()),
                        gpu.allocatedFloats);
            }
        }
    }
}
