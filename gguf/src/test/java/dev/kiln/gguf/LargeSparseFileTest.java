package dev.kiln.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A 10 GiB GGUF (written sparse) opens by mapping: nothing of the tensor data is read or copied. */
class LargeSparseFileTest {

    @Test
    void opensATenGigabyteFileWithoutReadingItsData(@TempDir Path dir) throws IOException {
        Path path = dir.resolve("big.gguf");
        long rows = 40L * 1024 * 1024; // 10 Mi rows of 256 F32 (1 KiB each) = 10 GiB
        new GgufWriter(Metadata.builder().putString("general.architecture", "llama").build())
                .addTensor("big.weight", GgmlType.F32, new long[] {256, rows / 4}, GgufWriter.TensorSource.zeros())
                .addTensor("tail.weight", new long[] {8}, new float[] {1, 2, 3, 4, 5, 6, 7, 8})
                .write(path);
        assertTrue(Files.size(path) >= 10L << 30, "at least 10 GiB");

        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        try (GgufFile gguf = GgufFile.open(path)) {
            long openedNanos = System.nanoTime() - start;
            long allocatedBytes = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            assertTrue(openedNanos < 1_000_000_000L, "opening took " + openedNanos / 1e6 + " ms");
            assertTrue(allocatedBytes < 100L << 20, "opening allocated " + allocatedBytes + " bytes of heap");
            TensorData big = gguf.tensor("big.weight");
            assertEquals(10L << 30, big.segment().byteSize());
            assertEquals(0f, big.segment().get(ValueLayout.JAVA_FLOAT_UNALIGNED, big.segment().byteSize() - 4));
            assertEquals(8f, gguf.tensor("tail.weight").segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 7));
            System.out.printf("opened a %.1f GiB GGUF in %.2f ms, allocating %d KiB of heap%n",
                    Files.size(path) / (double) (1L << 30), openedNanos / 1e6, allocatedBytes >> 10);
        }
    }
}
