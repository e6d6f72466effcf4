package dev.kiln.cuda;

import dev.kiln.core.arch.Architectures;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.RopeScaling;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Batch;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scratch estimate ({@link Workspace}) against what CudaOps really allocates, on the fake driver. */
class WorkspaceTest {

    static HyperParams llama(int blocks, int dim, int ffn, int heads, int kvHeads, int head, int vocab) {
        int[] ff = new int[blocks], h = new int[blocks], kv = new int[blocks];
        java.util.Arrays.fill(ff, ffn);
        java.util.Arrays.fill(h, heads);
        java.util.Arrays.fill(kv, kvHeads);
        return new HyperParams(Architectures.LLAMA, blocks, dim, ff, h, kv, head, head, 32768, head, 1e6f,
                RopeScaling.NONE, 0f, 0, 1e-5f, vocab, false);
    }

    static HyperParams mistral7b() {
        return llama(32, 4096, 14336, 32, 8, 128, 32000);
    }

    @Test
    void workspaceGrowsWithContextSplitsAndCublasPrefillButNotWithTheMatrixSize() {
        HyperParams hp = mistral7b();
        assertTrue(Workspace.bytes(hp, 1, 16384, false, 89) > Workspace.bytes(hp, 1, 512, false, 89), "more attention splits");
        assertEquals(16, Workspace.splits(4096));
        assertEquals(64, Workspace.splits(1 << 20));
        assertEquals(1, Workspace.splits(1));
        assertEquals(16, Workspace.splits(16, 4096), "several decode rows keep the split");
        assertEquals(1, Workspace.splits(17, 4096), "prefill rows have enough blocks without it");
        long own = Workspace.bytes(hp, 512, 4096, false, 89), cublas = Workspace.bytes(hp, 512, 4096, true, 89);
        long x16 = 2L * 512 * 14336;
        assertEquals(Workspace.GEMM_CHUNK_BYTES + x16 + Workspace.CUBLAS_WORKSPACE_BYTES, cublas - own,
                "a 32 MiB slice of the weights, the F16 activations and cuBLAS's workspace, not a whole matrix");
        assertEquals(32L << 20, Workspace.cublasWorkspaceBytes(90));
        assertEquals(3264, Workspace.gemmChunkRows(32768, 5120, Workspace.GEMM_CHUNK_BYTES));
        assertEquals(512, Workspace.gemmChunkRows(5120, 32768, Workspace.GEMM_CHUNK_BYTES));
        assertEquals(100, Workspace.gemmChunkRows(100, 4096, Workspace.GEMM_CHUNK_BYTES));
        assertEquals(64, Workspace.gemmChunkRows(5000, 1 << 20, Workspace.GEMM_CHUNK_BYTES), "at least 64 rows");
    }

    /**
     * Every op a forward pass of 512-row prompt chunks and 16-row decode steps runs on a Mistral-7B-shaped model,
     * including the 32000 x 4096 output head over 131 logit rows (which cuBLAS used to copy whole to F16: 262 MB
     * against 117 MB counted), allocates no more scratch than the estimate says.
     */
    @Test
    void theEstimateCoversWhatTheOpsAllocate() {
        HyperParams hp = mistral7b();
        int rows = 512, capacity = 4096;
        long estimate = Workspace.bytes(hp, rows, capacity, true, 89);
        try (FakeCuda cuda = new FakeCuda("cublas")) {
            CudaOps ops = cuda.ops();
            CudaTensor x = cuda.floats((long) rows * 14336), y = cuda.floats((long) rows * 32000);
            int[][] shapes = {{4096, 4096}, {1024, 4096}, {14336, 4096}, {4096, 14336}, {32000, 4096}};
            for (int tokens : new int[] {16, rows, 131}) {
                for (int[] s : shapes) {
                    GgmlType type = s[0] == 32000 ? GgmlType.Q6_K : GgmlType.Q4_K;
                    ops.written(x);
                    ops.matMul(y, cuda.weights(type, s[0], s[1]), x, tokens);
                }
            }
            var kv = cuda.cache(1, capacity, 1024);
            CudaTensor q = cuda.floats((long) rows * 4096), out = cuda.floats((long) rows * 4096);
            for (int n : new int[] {16, rows}) {
                ops.attention(out, q, kv, FakeCuda.rows(n), new Attention(32, 8, 128, 128, 0.088f, 0f, 0));
            }
            long used = ops.scratchBytes();
            assertTrue(used <= estimate, "scratch " + used + " > estimate " + estimate);
            assertTrue(used >= Workspace.GEMM_CHUNK_BYTES, "the test exercised the cuBLAS slice (" + used + ")");
        }
    }
}
