package dev.kiln.cuda;

import dev.kiln.cuda.reference.Blocks;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kernel CudaOps launches exists in the committed PTX; the provider is found and behaves without a GPU. */
class KernelNamesTest {

    @Test
    void everyLaunchedKernelIsDefined() {
        List<String> missing = new ArrayList<>();
        for (GgmlType t : Blocks.SUPPORTED) {
            check(Ptx.MATVEC, "mv_" + t.name(), missing);
            for (int columns : new int[] {2, 4, 8, 16}) {   // CudaOps.matVecColumns
                check(Ptx.MATVEC, "mv_" + t.name() + "_c" + columns, missing);
            }
            check(Ptx.MATMUL, "mm_" + t.name(), missing);
            check(Ptx.MATMUL, "mmw_" + t.name(), missing);
            check(Ptx.MATMUL, "dequant_f16_" + t.name(), missing);
            check(Ptx.MATMUL, "embed_" + t.name(), missing);
            if (t.isQuantized()) {
                check(Ptx.MATVEC, "mv3_" + t.name(), missing);
                check(Ptx.MATVEC, "mvglu_" + t.name(), missing);
            }
        }
        for (String k : new String[] {"quantize_q8x"}) {
            check(Ptx.MATVEC, k, missing);
        }
        for (String k : new String[] {"rmsnorm", "rmsnorm_q8x", "rope", "swiglu", "add", "add_bias", "scale", "f32_to_f16", "kv_store",
                "f16_scales", "f32_to_f16_scaled", "scale_rows"}) {
            check(Ptx.OPS, k, missing);
        }
        for (String k : new String[] {"attn_partial", "attn_combine"}) {
            check(Ptx.ATTENTION, k, missing);
        }
        assertTrue(missing.isEmpty(), "kernels missing from the PTX: " + missing);
    }

    @Test
    void matVecColumnsAreTheNextPowerOfTwo() {
        int[] want = {1, 1, 2, 4, 4, 8, 8, 8, 8, 16, 16, 16, 16, 16, 16, 16, 16};
        for (int tokens = 1; tokens <= 16; tokens++) {
            assertEquals(want[tokens], CudaOps.matVecColumns(tokens), tokens + " tokens");
        }
    }

    private static void check(Ptx ptx, String kernel, List<String> missing) {
        if (!ptx.entries().contains(kernel)) {
            missing.add(ptx.fileName() + ":" + kernel);
        }
    }

    @Test
    void providerIsRegisteredAboveTheCpu() {
        var providers = ServiceLoader.load(dev.kiln.core.spi.BackendProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("cuda")).toList();
        assertEquals(1, providers.size());
        assertEquals(10, providers.getFirst().priority());
    }

    @Test
    void withoutADeviceOpenFailsWithTheProbeReason() {
        CudaBackendProvider provider = new CudaBackendProvider();
        var availability = provider.probe();
        if (availability.available()) {
            return;   // a GPU machine: the GPU check covers open()
        }
        assertFalse(availability.reason().isBlank());
        var e = assertThrows(dev.kiln.core.spi.BackendException.class, () -> provider.open(dev.kiln.core.spi.BackendConfig.of(1)));
        assertTrue(e.getMessage().contains(availability.reason()), e.getMessage());
    }
}
