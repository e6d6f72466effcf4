package dev.kiln.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
}
