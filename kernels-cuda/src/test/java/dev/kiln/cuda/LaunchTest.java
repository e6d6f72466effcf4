package dev.kiln.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A launch's identity (what StepGraphs compares to replay a captured step) covers every parameter, offsets included. */
class LaunchTest {

    static Launch launch(long offset, int n, float f) {
        return new Launch(new CUfunction(), "mv_Q4_K").grid(8, 2, 1).block(128).arg(new CUdeviceptr().withByteOffset(offset)).arg(n).arg(f);
    }

    @Test
    void equalLaunchesHaveEqualKeys() {
        assertEquals(launch(64, 4096, 1e-5f).key(), launch(64, 4096, 1e-5f).key());
    }

    @Test
    void anyDifferenceChangesTheKey() {
        var base = launch(64, 4096, 1e-5f).key();
        assertNotEquals(base, launch(128, 4096, 1e-5f).key(), "byte offset");
        assertNotEquals(base, launch(64, 4097, 1e-5f).key(), "int parameter");
        assertNotEquals(base, launch(64, 4096, 2e-5f).key(), "float parameter");
        assertNotEquals(base, new Launch(new CUfunction(), "mv_Q4_K").grid(8, 1, 1).block(128)
                .arg(new CUdeviceptr().withByteOffset(64)).arg(4096).arg(1e-5f).key(), "grid");
    }

    @Test
    void describesKernelAndDimensions() {
        assertTrue(launch(0, 1, 1f).describe().equals("cuLaunchKernel mv_Q4_K grid [8,2,1] block [128,1,1]"));
    }
}
