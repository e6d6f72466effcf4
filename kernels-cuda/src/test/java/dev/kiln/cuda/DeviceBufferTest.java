package dev.kiln.cuda;

import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.DeviceTensor;
import jcuda.driver.CUcontext;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceBufferTest {

    @Test
    void outOfMemoryIsOneLineNamingWhatAndTheRemedy() {
        String m = DeviceBuffer.outOfMemory("blk.30.ffn_down.weight", 100L << 20, 64L << 20, 12L << 30);
        assertEquals("out of GPU memory allocating blk.30.ffn_down.weight (100.0 MiB; 64.0 MiB free of 12288.0 MiB): use a smaller -ngl", m);
    }

    @Test
    void outOfMemoryOnTheFakeDriverSaysWhatWasFree() {
        FakeDriver driver = new FakeDriver();
        driver.capacity = 100L << 20;
        CudaContext context = new CudaContext(driver, retained(driver));
        var e = assertThrows(CudaException.class, () -> DeviceBuffer.allocate(context, 200L << 20, "blk.0.ffn_up.weight"));
        assertEquals(CUresult.CUDA_ERROR_OUT_OF_MEMORY, e.result());
        assertTrue(e.getMessage().contains("(200.0 MiB; 100.0 MiB free of 100.0 MiB)"), e.getMessage());
    }

    private static CUcontext retained(FakeDriver driver) {
        CUcontext c = new CUcontext();
        driver.primaryCtxRetain(c, null);
        return c;
    }

    @Test
    void closeOnAnotherThreadBindsTheContextFirst() throws Exception {
        FakeDriver driver = new FakeDriver();
        CudaContext context = new CudaContext(driver, retained(driver));
        DeviceBuffer b = DeviceBuffer.allocate(context, 4096, "KV cache");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread hook = new Thread(() -> {   // as the server's shutdown hook closes the KV cache
            try {
                b.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        hook.start();
        hook.join();
        assertNull(failure.get());
        assertTrue(b.isClosed());
        assertEquals(0, driver.live.size(), "the memory came back");
    }

    @Test
    void aRefusedFreeIsReportedAndTheBufferStaysOpen() {
        FakeDriver driver = new FakeDriver();
        CudaContext context = new CudaContext(driver, retained(driver));
        DeviceBuffer b = DeviceBuffer.allocate(context, 4096, "blk.3.attn_q.weight");
        driver.freeResult = CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
        var e = assertThrows(CudaException.class, b::close);
        assertEquals("cuMemFree blk.3.attn_q.weight (4096 bytes): CUDA_ERROR_ILLEGAL_ADDRESS", e.getMessage());
        assertFalse(b.isClosed(), "not marked closed when the memory did not come back");
        driver.freeResult = CUresult.CUDA_SUCCESS;
        b.close();
        assertTrue(b.isClosed());
        assertEquals(0, driver.live.size());
    }

    @Test
    void backendCloseFreesTheRestWhenOneFreeFailsAndAKvCacheClosesOnAnotherThread() throws Exception {
        FakeDriver driver = new FakeDriver();
        CudaBackend backend = CudaBackend.open(driver, new FakeBlas(driver), new CudaProbe(true, "Fake GPU", 1),
                BackendConfig.of(1).with(CudaBackendProvider.PREFILL, "wmma"));
        DeviceTensor kv = backend.allocateCache(dev.kiln.gguf.GgmlType.F16, 1 << 20);
        backend.allocate(1000);
        backend.allocate(2000);
        Thread t = new Thread(kv::close);
        t.start();
        t.join();
        assertEquals(2, backend.openTensors(), "the closed cache is no longer tracked");
        driver.failAllocation = bytes -> false;
        driver.freeResult = CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
        backend.close();   // logs the failures, does not throw, still releases the context
        assertEquals(1, driver.releases);
        assertEquals(2, driver.live.size(), "the refused frees stay visible");
    }
}
