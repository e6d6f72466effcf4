package dev.kiln.cpu.packed;

import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PackedMatrixTest {
    @Test
    void uncheckedViewReadsTheSameMemoryWithoutTheArenasChecks() {
        PackedKernel kernel = PackedKernels.of(GgmlType.Q4_K);
        try (Arena arena = Arena.ofConfined()) {
            PackedMatrix owned = Packing.allocate("w", GgmlType.Q4_K, 40, 512, kernel, 16, arena);
            for (long b = 0; b < owned.data().byteSize(); b++) {
                owned.data().set(ValueLayout.JAVA_BYTE, b, (byte) (b * 31 + 7));
            }
            PackedMatrix view = owned.uncheckedView();

            assertEquals(new PackedMatrix(owned.name(), owned.type(), owned.rows(), owned.cols(), owned.groupRows(),
                    owned.blocksPerRow(), owned.blockBytes(), view.data()), view, "same shape, new segment");
            assertEquals(owned.data().address(), view.data().address());
            assertEquals(owned.data().byteSize(), view.data().byteSize());
            assertEquals(-1L, owned.data().mismatch(view.data()), "same bytes");
            // the arena is confined to this thread: its own segment refuses another thread, the view does not
            MemorySegment own = owned.data();
            CompletionException refused = assertThrows(CompletionException.class,
                    () -> CompletableFuture.supplyAsync(() -> own.get(ValueLayout.JAVA_BYTE, 5)).join());
            assertInstanceOf(WrongThreadException.class, refused.getCause());
            byte read = CompletableFuture.supplyAsync(() -> view.data().get(ValueLayout.JAVA_BYTE, 5)).join();
            assertEquals((byte) (5 * 31 + 7), read);
        }
    }
}
