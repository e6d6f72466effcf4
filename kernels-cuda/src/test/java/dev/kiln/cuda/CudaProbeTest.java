package dev.kiln.cuda;

import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendException;
import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaProbeTest {

    @Test
    void probeNeverThrowsAndExplainsItself() {
        CudaProbe probe = CudaProbe.get();
        assertFalse(probe.description().isBlank());
        assertFalse(probe.description().contains("\n"), "one line: " + probe.description());
        if (!probe.available()) {
            assertEquals(0, probe.devices());
        } else {
            assertTrue(probe.devices() > 0);
        }
        assertEquals(probe, CudaProbe.get(), "cached");
    }

    @Test
    void missingDriverIsNamed() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory\n");
        assertEquals("no CUDA driver: libcuda.so.1 not found", CudaProbe.nativeFailure(e));
    }

    @Test
    void aGpuOlderThanTuringIsUnusable() {
        FakeDriver pascal = new FakeDriver();
        pascal.ccMajor = 6;
        pascal.ccMinor = 1;
        CudaProbe p = CudaProbe.run(pascal);
        assertFalse(p.available());
        assertTrue(p.description().contains("compute capability 6.1 < 7.5"), p.description());
        assertTrue(p.description().startsWith("Fake GPU: "), p.description());

        FakeDriver volta = new FakeDriver();
        volta.ccMajor = 7;
        volta.ccMinor = 0;
        assertTrue(CudaProbe.run(volta).description().contains("compute capability 7.0 < 7.5"));

        FakeDriver turing = new FakeDriver();
        turing.ccMajor = 7;
        turing.ccMinor = 5;
        CudaProbe ok = CudaProbe.run(turing);
        assertTrue(ok.available(), ok.description());
        assertEquals("Fake GPU (compute capability 7.5), driver CUDA 12.4", ok.description());
    }

    @Test
    void openingAnOldDeviceFailsBeforeTakingAnything() {
        FakeDriver volta = new FakeDriver();
        volta.ccMajor = 7;
        volta.ccMinor = 0;
        // a probe that passed (e.g. another device was checked): open checks the device it opens
        var e = assertThrows(BackendException.class, () -> CudaBackend.open(volta, new FakeBlas(volta),
                new CudaProbe(true, "Fake GPU", 1), BackendConfig.of(1)));
        assertTrue(e.getMessage().contains("compute capability 7.0 < 7.5"), e.getMessage());
        assertEquals(0, volta.retains);
    }

    @Test
    void aRefusedModuleReleasesTheStreamModulesAndContext() {
        FakeDriver driver = new FakeDriver();
        driver.moduleLoadResult = CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU;
        var e = assertThrows(BackendException.class, () -> CudaBackend.open(driver, new FakeBlas(driver),
                new CudaProbe(true, "Fake GPU", 1), BackendConfig.of(1)));
        assertTrue(e.getMessage().contains("cuModuleLoadData /ptx/matvec.ptx: CUDA_ERROR_NO_BINARY_FOR_GPU"), e.getMessage());
        assertEquals(1, driver.retains);
        assertEquals(1, driver.releases, "primary context released");
        assertEquals(driver.streamsCreated, driver.streamsDestroyed, "stream destroyed");
        assertEquals(0, driver.live.size());

        // a module refused after others loaded: those are unloaded too
        FakeDriver late = new FakeDriver() {
            int loads;

            @Override
            public int moduleLoadData(jcuda.driver.CUmodule module, byte[] image) {
                return ++loads == 3 ? CUresult.CUDA_ERROR_INVALID_PTX : super.moduleLoadData(module, image);
            }
        };
        assertThrows(BackendException.class, () -> CudaBackend.open(late, new FakeBlas(late), new CudaProbe(true, "Fake GPU", 1),
                BackendConfig.of(1)));
        assertEquals(2, late.modulesLoaded);
        assertEquals(2, late.modulesUnloaded);
        assertEquals(late.retains, late.releases);
    }

    @Test
    void anOpenBackendClosesCleanly() {
        FakeDriver driver = new FakeDriver();
        CudaBackend b = CudaBackend.open(driver, new FakeBlas(driver), new CudaProbe(true, "Fake GPU", 1),
                BackendConfig.of(1).with(CudaBackendProvider.PREFILL, "cublas"));
        assertEquals(4, driver.modulesLoaded);
        b.allocate(1000);
        b.close();
        assertEquals(4, driver.modulesUnloaded);
        assertEquals(0, driver.live.size(), "activations and cuBLAS workspace freed");
        assertEquals(1, driver.releases);
    }
}
