package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.TensorRole;
import dev.kiln.core.graph.DeviceBudget;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.synth.ModelShapes;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.TensorPlan;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed user's case: Mistral-Small-24B-Instruct-2501 Q2_K at {@code -c 2048 -ngl 49} (every block and the output
 * head) on an RTX 4070 (sm_89), where llama-server took 9158 MiB in total. Computed from the tensor table that
 * {@code kiln synth} writes for that shape (the file itself is not needed) and the estimate Kiln prints at load.
 */
class MemoryBudgetTest {
    static final long LLAMA_SERVER_MIB = 9158;

    @Test
    void mistralSmall24bQ2KAtContext2048FitsWhereLlamaServerDid() {
        var shape = ModelShapes.MISTRAL_SMALL_24B_2501;
        List<TensorPlan.Entry> plan = TensorPlan.of(shape, QuantMix.Q2_K);
        HyperParams hp = WorkspaceTest.llama(shape.blockCount(), shape.embeddingLength(), shape.feedForwardLength(),
                shape.headCount(), shape.headCountKv(), shape.headDim(), shape.vocabSize());
        long[] blocks = new long[hp.blockCount()];
        long output = 0;
        for (TensorPlan.Entry e : plan) {
            if (e.layer() >= 0) {
                blocks[e.layer()] += e.sizeBytes();
            } else if (e.role() == TensorRole.OUTPUT || e.role() == TensorRole.OUTPUT_NORM) {
                output += e.sizeBytes();
            }
        }
        int context = 2048, batch = 512;   // -c 2048, -b 512 (Kiln's and llama.cpp's default)
        DeviceBudget budget = DeviceBudget.of(blocks, output, hp, GgmlType.F16, context, batch,
                Workspace.bytes(hp, batch, context, true, 89), CudaBackend.CONTEXT_BYTES);
        DeviceBudget.Parts parts = budget.parts(Placement.gpuLayers(hp.blockCount(), 49));
        System.out.println("mistral-small-24b-2501 Q2_K -c 2048 -ngl 49 (cuBLAS prefill, sm_89): " + parts.describe());
        assertEquals(320L << 20, parts.kv(), "F16 K and V, 1024 wide each, 2048 cells, 40 blocks");
        assertTrue(parts.scratch() < 100L << 20, "no whole-matrix F16 copy: " + parts.scratch());
        assertTrue(parts.total() <= LLAMA_SERVER_MIB << 20, parts.describe());

        // the own tensor-core prefill needs no F16 copies at all
        DeviceBudget own = DeviceBudget.of(blocks, output, hp, GgmlType.F16, context, batch,
                Workspace.bytes(hp, batch, context, false, 89), CudaBackend.CONTEXT_BYTES);
        System.out.println("  with cuda.prefill=wmma: " + own.parts(Placement.gpuLayers(hp.blockCount(), 49)).describe());
    }
}
