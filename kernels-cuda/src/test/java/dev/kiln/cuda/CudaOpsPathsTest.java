package dev.kiln.cuda;

import dev.kiln.core.arch.RopePairing;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.core.spi.Rope;
import dev.kiln.gguf.GgmlType;
import jcuda.jcublas.cublasStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CudaOps' Java paths on a fake driver (no GPU): which kernels run with which grids, what happens after an
 * out-of-memory error or a cuBLAS failure, and that every pointer a launch or GEMM receives is live memory.
 */
class CudaOpsPathsTest {
    private FakeCuda cuda;

    @AfterEach
    void everythingIsFreedAndReleased() {
        if (cuda != null) {
            cuda.close();
            assertEquals(List.of(), cuda.driver.useAfterFree, "launches on freed memory");
            assertEquals(0, cuda.driver.live.size(), "device memory left allocated: " + cuda.driver.live);
            assertEquals(cuda.driver.retains, cuda.driver.releases, "context retained/released");
        }
    }

    // ---- defect 1: scratch after an out-of-memory error

    @Test
    void outOfMemoryGrowingTheCublasScratchLeavesNoFreedBufferBehind() {
        cuda = new FakeCuda("cublas");
        CudaTensor w = cuda.weights(GgmlType.Q4_K, 256, 1024), x = cuda.floats(64 * 1024), y = cuda.floats(64 * 256);
        cuda.ops().matMul(y, w, x, 20);   // F16 activations for 20 tokens
        cuda.driver.failAllocation = bytes -> bytes == 2L * 40 * 1024;   // growing them for 40 tokens: out of memory
        var e = assertThrows(BackendException.class, () -> cuda.ops().matMul(y, w, x, 40));
        assertTrue(e.getMessage().contains("out of GPU memory allocating cuBLAS F16 activations"), e.getMessage());
        cuda.driver.failAllocation = bytes -> false;
        cuda.ops().matMul(y, w, x, 20);   // the first size again: a fresh buffer, not the freed one
        assertEquals(List.of(), cuda.driver.useAfterFree);
    }

    @Test
    void outOfMemoryGrowingTheBatchArraysUploadsTheNextBatchAfresh() {
        cuda = new FakeCuda("cublas");
        CudaTensor table = cuda.weights(GgmlType.Q8_0, 100, 256), out = cuda.floats(200 * 256);
        Batch small = FakeCuda.rows(40);
        cuda.ops().embed(out, table, small);
        cuda.driver.failAllocation = bytes -> bytes >= 16L * 100;
        assertThrows(BackendException.class, () -> cuda.ops().embed(out, table, FakeCuda.rows(100)));
        cuda.driver.failAllocation = bytes -> false;
        cuda.ops().embed(out, table, FakeCuda.rows(40));   // same rows as before: the arrays must be uploaded again
        assertEquals(List.of(), cuda.driver.useAfterFree);
    }

    @Test
    void outOfMemoryGrowingTheRopeTableUploadsItAgain() {
        cuda = new FakeCuda("cublas");
        Rope small = new Rope(128, RopePairing.NORMAL, new double[64], 1f), large = new Rope(256, RopePairing.NORMAL, new double[128], 1f);
        CudaTensor x = cuda.floats(4 * 2 * 256);
        cuda.ops().rope(x, 2, 128, FakeCuda.rows(4), small);
        cuda.driver.failAllocation = bytes -> bytes == 512;
        assertThrows(BackendException.class, () -> cuda.ops().rope(x, 1, 256, FakeCuda.rows(4), large));
        cuda.driver.failAllocation = bytes -> false;
        cuda.driver.launches.clear();
        cuda.ops().rope(x, 2, 128, FakeCuda.rows(4), small);
        assertEquals(List.of(), cuda.driver.useAfterFree);
        long table = cuda.driver.launches.getLast().addresses().get(2);   // x, positions, frequencies
        assertTrue(cuda.driver.written.contains(table), "the new table holds the frequencies, not zeros");
    }

    @Test
    void scratchForgetsTheOldBufferBeforeAllocating() {
        cuda = new FakeCuda("wmma");
        Scratch s = new Scratch(cuda.backend.context(), "test scratch", () -> { });
        DeviceBuffer first = s.atLeast(1000);
        int generation = s.generation();
        cuda.driver.failAllocation = bytes -> bytes == 5000;
        assertThrows(CudaException.class, () -> s.atLeast(5000));
        assertTrue(first.isClosed(), "the old buffer is freed");
        assertEquals(0, s.sizeBytes(), "and forgotten");
        cuda.driver.failAllocation = bytes -> false;
        DeviceBuffer again = s.atLeast(500);
        assertFalse(again.isClosed());
        assertTrue(s.generation() != generation, "a new buffer is a new generation");
        s.close();
    }

    // ---- defect 4: batch rows never go into grid.y or grid.z

    @Test
    void seventyThousandRowsStayWithinTheGridLimits() {
        cuda = new FakeCuda("wmma");
        int rows = 70_000, heads = 4, kvHeads = 2, headDim = 64, dim = heads * headDim;
        Batch batch = FakeCuda.rows(rows);
        KvLayer kv = cuda.cache(1, rows, kvHeads * headDim);
        CudaTensor x = cuda.floats((long) rows * dim), q = cuda.floats((long) rows * dim), k = cuda.floats((long) rows * kvHeads * headDim);
        CudaOps ops = cuda.ops();
        ops.embed(x, cuda.weights(GgmlType.Q4_K, 100, dim), batch);
        ops.rope(q, heads, headDim, batch, new Rope(headDim, RopePairing.NEOX, new double[headDim / 2], 1f));
        ops.storeKv(kv, k, k, batch);
        ops.attention(x, q, kv, batch, new Attention(heads, kvHeads, headDim, headDim, 0.125f, 0f, 0));
        ops.matMul(x, cuda.weights(GgmlType.Q4_K, dim, dim), q, rows);
        ops.rmsNorm(x, x, cuda.floats(dim), rows, dim, 1e-5f);
        assertFalse(cuda.driver.launches.isEmpty());
        for (var l : cuda.driver.launches) {
            assertTrue(l.grid()[1] <= Launch.MAX_GRID_YZ && l.grid()[2] <= Launch.MAX_GRID_YZ,
                    l.name() + " grid " + java.util.Arrays.toString(l.grid()));
        }
    }

    @Test
    void aGridPastTheLimitIsRefusedBeforeTheDriver() {
        FakeDriver driver = new FakeDriver();
        Launch l = new Launch(driver, new jcuda.driver.CUfunction(), "k").grid(1, 65536, 1);
        var e = assertThrows(IllegalArgumentException.class, () -> l.run(null));
        assertTrue(e.getMessage().contains("grid [1,65536,1]"), e.getMessage());
        assertTrue(driver.launches.isEmpty());
    }

    // ---- defect 6: cuBLAS failures

    @Test
    void aFailingCublasCallIsNamedAndTheOwnKernelsTakeOverOnce() {
        cuda = new FakeCuda("cublas");
        assertTrue(cuda.ops().gemm().isCublas());
        cuda.blas.gemmStatus = cublasStatus.CUBLAS_STATUS_EXECUTION_FAILED;
        CudaTensor w = cuda.weights(GgmlType.Q6_K, 512, 1024), x = cuda.floats(64 * 1024), y = cuda.floats(64 * 512);
        cuda.driver.launches.clear();
        cuda.ops().matMul(y, w, x, 64);   // no exception: the product is redone with mmw_Q6_K
        List<String> first = cuda.driver.takeLaunchNames();
        assertEquals("mmw_Q6_K", first.getLast(), first.toString());
        assertFalse(cuda.ops().gemm().isCublas());
        assertTrue(cuda.ops().gemm().describe().contains("CUBLAS_STATUS_EXECUTION_FAILED (13)"), cuda.ops().gemm().describe());
        int gemms = cuda.blas.gemms;
        cuda.ops().matMul(y, w, x, 64);
        assertEquals(gemms, cuda.blas.gemms, "cuBLAS is not tried again");
        assertEquals(List.of("f16_scales", "mmw_Q6_K"), cuda.driver.takeLaunchNames());
        assertEquals(1, cuda.blas.destroyed, "the cuBLAS handle is released at the fallback");
    }

    @Test
    void cublasStatusesAreNamed() {
        assertEquals("CUBLAS_STATUS_EXECUTION_FAILED (13)", Gemm.status(cublasStatus.CUBLAS_STATUS_EXECUTION_FAILED));
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED (15)", Gemm.status(cublasStatus.CUBLAS_STATUS_NOT_SUPPORTED));
    }

    // ---- defect 7: prefill activations are scaled into F16's range

    @Test
    void prefillScalesActivationsPerTokenOnEveryF16Path() {
        cuda = new FakeCuda("cublas");
        CudaTensor w = cuda.weights(GgmlType.Q4_K, 640, 1024), x = cuda.floats(64 * 1024), y = cuda.floats(64 * 640);
        cuda.ops().gemmChunkBytes(2L * 256 * 1024);   // 256 rows per slice: three slices
        cuda.driver.launches.clear();
        cuda.ops().matMul(y, w, x, 64);
        assertEquals(List.of("f16_scales", "f32_to_f16_scaled", "dequant_f16_Q4_K", "dequant_f16_Q4_K", "dequant_f16_Q4_K", "scale_rows"),
                cuda.driver.takeLaunchNames());
        assertEquals(3, cuda.blas.gemms);
        try (FakeCuda own = new FakeCuda("wmma")) {
            CudaTensor w2 = own.weights(GgmlType.Q4_K, 640, 1024), x2 = own.floats(64 * 1024), y2 = own.floats(64 * 640);
            own.driver.launches.clear();
            own.ops().matMul(y2, w2, x2, 64);
            var launches = own.driver.launches;
            assertEquals("f16_scales", launches.get(0).name());
            assertEquals("mmw_Q4_K", launches.get(1).name());
            // mmw's third parameter is the scales written by f16_scales (its second)
            assertEquals(launches.get(0).values().get(1), launches.get(1).values().get(2));
        }
    }

    // ---- multi-slot decoding: one launch reads each weight block once for up to 16 tokens

    @Test
    void decodeOfSeveralRowsUsesOneMultiColumnLaunch() {
        cuda = new FakeCuda("cublas");
        CudaTensor w = cuda.weights(GgmlType.Q4_K, 256, 1024), x = cuda.floats(32 * 1024), y = cuda.floats(32 * 256);
        int[][] cases = {{1, 1}, {2, 2}, {5, 8}, {8, 8}, {16, 16}};
        for (int[] c : cases) {
            cuda.driver.launches.clear();
            cuda.ops().written(x);   // a new x each time
            cuda.ops().matMul(y, w, x, c[0]);
            var mv = cuda.driver.launches.getLast();
            assertEquals(c[1] == 1 ? "mv_Q4_K" : "mv_Q4_K_c" + c[1], mv.name(), c[0] + " tokens");
            assertEquals(1, mv.grid()[1], "one launch covers all " + c[0] + " tokens");
            assertEquals(c[0], mv.values().getLast(), "tokens parameter");
        }
        cuda.driver.launches.clear();
        cuda.ops().matMul(y, w, x, 17);
        assertTrue(cuda.driver.launches.stream().noneMatch(l -> l.name().startsWith("mv_")), "17 tokens take the GEMM");
        assertEquals(16, Workspace.MATVEC_MAX_TOKENS);
    }

    @Test
    void decodeAttentionOfSeveralRowsKeepsTheSplitAndSharesKvAcrossTheGroup() {
        cuda = new FakeCuda("cublas");
        int heads = 32, kvHeads = 8, headDim = 128, capacity = 4096;
        KvLayer kv = cuda.cache(8, capacity, kvHeads * headDim);
        CudaTensor q = cuda.floats(8L * heads * headDim), out = cuda.floats(8L * heads * headDim);
        Attention attn = new Attention(heads, kvHeads, headDim, headDim, 0.088f, 0f, 0);
        for (int rows : new int[] {1, 8}) {
            int[] tokens = new int[rows], seqs = new int[rows], pos = new int[rows];
            for (int r = 0; r < rows; r++) {
                seqs[r] = r;
                pos[r] = 100 * r;
            }
            cuda.driver.launches.clear();
            cuda.ops().attention(out, q, kv, new Batch(tokens, seqs, pos, new boolean[rows]), attn);
            var partial = cuda.driver.launches.getFirst();
            assertEquals("attn_partial", partial.name());
            assertEquals(List.of(rows, 16, kvHeads), List.of(partial.grid()[0], partial.grid()[1], partial.grid()[2]),
                    "rows x 16 splits of a 4096-cell context x one block per KV head (its 4 query heads share each K/V row)");
        }
        // a group of 12 query heads per KV head takes two blocks (8 + 4)
        cuda.driver.launches.clear();
        cuda.ops().attention(out, q, kv, FakeCuda.rows(1), new Attention(24, 2, headDim, headDim, 0.088f, 0f, 0));
        assertEquals(4, cuda.driver.launches.getFirst().grid()[2]);
    }

    @Test
    void attentionShapesTheKernelsCannotRunAreRefusedUpFront() {
        cuda = new FakeCuda("wmma");
        assertTrue(cuda.backend.supports(new Attention(32, 8, 128, 128, 0.1f, 0f, 0)));
        assertTrue(cuda.backend.supports(new Attention(32, 8, 256, 256, 0.1f, 0f, 0)));
        assertFalse(cuda.backend.supports(new Attention(32, 8, 320, 320, 0.1f, 0f, 0)), "head dim > 256");
        assertFalse(cuda.backend.supports(new Attention(32, 8, 127, 127, 0.1f, 0f, 0)), "odd head dim");
        assertFalse(cuda.backend.supports(new Attention(32, 8, 192, 128, 0.1f, 0f, 0)), "key length != value length");
    }
}
