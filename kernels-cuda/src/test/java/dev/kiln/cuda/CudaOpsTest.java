package dev.kiln.cuda;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every kernel against its Java reference (the kernel section of {@link GpuCheck}) as a JUnit test for machines with
 * a GPU and Maven. The surefire configuration excludes the "gpu" tag, and the test skips itself without a device; the
 * GPU machine (no Java, no Maven) runs the same checks through scripts/gpu-bundle.sh and GpuCheck.
 */
@Tag("gpu")
class CudaOpsTest {

    @Test
    void kernelsMatchTheirJavaReferences() {
        CudaProbe probe = CudaProbe.get();
        assumeTrue(probe.available(), "no usable GPU: " + probe.description());
        var failures = new GpuCheck().kernelsOnly();
        assertTrue(failures.isEmpty(), "kernels differing from their references: " + failures);
    }
}
