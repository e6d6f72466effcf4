package dev.kiln.core;

import dev.kiln.core.graph.CountingBackend;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.graph.SmallModel;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.spi.Availability;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading with an accelerator that cannot run everything: placement keeps such slots on the CPU; a failed open falls back. */
class KilnPlacementTest {

    @Test
    void blocksWhoseAttentionTheAcceleratorCannotRunStayOnTheCpu(@TempDir Path dir) throws IOException {
        try (GgufModel m = SmallModel.load(dir)) {
            var hp = m.hyperParams();
            CountingBackend gpu = new CountingBackend("gpu");
            Placement all = Placement.gpuLayers(hp.blockCount(), 99);
            assertEquals(all, Kiln.supported(all, hp, m.weights(), gpu));
            gpu.attention = a -> a.keyLength() != 32;   // e.g. a head length the kernels do not take
            Placement p = Kiln.supported(all, hp, m.weights(), gpu);
            for (int l = 0; l < hp.blockCount(); l++) {
                assertFalse(p.blockOffloaded(l), "block " + l);
            }
            assertTrue(p.outputOffloaded(), "the output head has no attention");
        }
    }

    static BackendProvider failing() {
        return new BackendProvider() {
            @Override
            public String name() {
                return "gpu";
            }

            @Override
            public int priority() {
                return 10;
            }

            @Override
            public Availability probe() {
                return Availability.available("a GPU");
            }

            @Override
            public Backend open(BackendConfig config) {
                throw new BackendException("gpu open device 0: cuModuleLoadData /ptx/matvec.ptx: CUDA_ERROR_NO_BINARY_FOR_GPU");
            }
        };
    }

    @Test
    void anAcceleratorThatFailsToOpenMeansTheCpuUnlessItWasNamed() {
        assertTrue(Kiln.openAccelerator(failing(), LoadOptions.defaults().withGpuLayers(99)).isEmpty());
        var e = assertThrows(BackendException.class,
                () -> Kiln.openAccelerator(failing(), LoadOptions.defaults().withGpuLayers(99).withAccelerator("gpu")));
        assertTrue(e.getMessage().contains("CUDA_ERROR_NO_BINARY_FOR_GPU"));
    }
}
