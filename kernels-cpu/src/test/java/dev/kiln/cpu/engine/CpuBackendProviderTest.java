package dev.kiln.cpu.engine;

import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendProvider;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.core.spi.Backends;
import dev.kiln.cpu.CpuBackendProvider;
import dev.kiln.gguf.GgmlType;
import dev.kiln.cpu.simd.Species;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CpuBackendProviderTest {

    @Test
    void serviceLoaderFindsTheCpuBackend() {
        BackendProvider cpu = Backends.cpu();
        assertInstanceOf(CpuBackendProvider.class, cpu);
        assertEquals("cpu", cpu.name());
        assertEquals(0, cpu.priority());
        assertTrue(cpu.probe().available(), cpu.probe().reason());
        try (Backend b = cpu.open(BackendConfig.of(2))) {
            // the default precision; batches in float where vectors are 256 bits wide (PackedMatMulTest)
            String q8 = "cpu, 2 threads, q8 activations";
            String floats = q8 + ", batches of 16+ tokens in float on Q4_K, Q5_K, Q6_K";
            String property = System.getProperty("kiln.cpu.floatbatch");
            if (property == null) {
                assertEquals(Species.preferred().vectorBitSize() == 256 ? floats : q8, b.description());
            } else {
                assertTrue(b.description().startsWith(q8), b.description());
            }
            try (Backend exact = cpu.open(BackendConfig.of(1).with(MatMulPrecision.OPTION, MatMulPrecision.F32))) {
                assertEquals("cpu, 1 thread, f32 activations", exact.description());
            }
            for (GgmlType t : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q2_K,
                    GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K}) {
                assertTrue(b.supports(t), t.name());
            }
            assertTrue(b.supportsCache(GgmlType.F16) && b.supportsCache(GgmlType.Q8_0) && b.supportsCache(GgmlType.F32));
            assertFalse(b.supportsCache(GgmlType.Q4_0));
            float[] host = {1, 2, 3};
            var t = b.allocate(3);
            b.fromHost(host, t, 3);
            float[] back = new float[5];
            b.toHost(t, back, 2, 3);
            assertArrayEquals(new float[] {0, 0, 1, 2, 3}, back);
        }
    }
}
