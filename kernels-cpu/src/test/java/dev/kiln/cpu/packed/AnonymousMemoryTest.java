package dev.kiln.cpu.packed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AnonymousMemoryTest {
    private static boolean linux() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        return os.startsWith("linux") && (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"));
    }

    @Test
    void largeBuffersAreMappedZeroedWritableAndFreedWithTheirArena() {
        assumeTrue(linux(), "anonymous mappings are made on Linux x86-64 and AArch64 only");
        assertTrue(AnonymousMemory.maps(), "mmap and munmap found in the C library");
        long bytes = AnonymousMemory.MIN_BYTES + 4096 + 24; // not a whole number of pages
        MemorySegment buffer;
        try (Arena arena = Arena.ofShared()) {
            buffer = AnonymousMemory.allocate(bytes, arena);
            assertEquals(bytes, buffer.byteSize());
            assertEquals(0, buffer.address() % 4096, "a mapping starts on a page");
            for (long i = 0; i < bytes; i += 8) {
                assertEquals(0L, buffer.get(ValueLayout.JAVA_LONG, i), "zero at byte " + i);
            }
            for (long i = 0; i < bytes; i += 4093) {
                buffer.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 1));
            }
            buffer.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 42);
            for (long i = 0; i < bytes; i += 4093) {
                assertEquals((byte) (i * 7 + 1), buffer.get(ValueLayout.JAVA_BYTE, i));
            }
            assertEquals(42, buffer.get(ValueLayout.JAVA_BYTE, bytes - 1));
            assertThrows(IndexOutOfBoundsException.class, () -> buffer.get(ValueLayout.JAVA_BYTE, bytes),
                    "bounded by the size asked for");
        }
        assertFalse(buffer.scope().isAlive(), "unmapped with its arena");
        assertThrows(IllegalStateException.class, () -> buffer.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void closingTheArenaUnmaps() throws IOException {
        assumeTrue(linux(), "anonymous mappings are made on Linux x86-64 and AArch64 only");
        Path maps = Path.of("/proc/self/maps");
        assumeTrue(Files.isReadable(maps), "/proc/self/maps lists this process's mappings");
        long bytes = AnonymousMemory.MIN_BYTES * 3;
        long first;
        long last;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = AnonymousMemory.allocate(bytes, arena);
            first = buffer.address();
            last = first + bytes - 1;
            assertTrue(mapped(maps, first) && mapped(maps, last), "mapped at " + Long.toHexString(first));
        }
        assertFalse(mapped(maps, first), "no mapping at " + Long.toHexString(first) + " after close");
        assertFalse(mapped(maps, last), "no mapping at " + Long.toHexString(last) + " (the last byte) after close");
    }

    @Test
    void aMappingTheSystemRefusesIsTheArenasOutOfMemoryError() {
        assumeTrue(linux(), "anonymous mappings are made on Linux x86-64 and AArch64 only");
        try (Arena arena = Arena.ofConfined()) {
            // 1 PiB: more than a process's address space (128 TiB on x86-64 and AArch64 with 4 KiB pages)
            assertThrows(OutOfMemoryError.class, () -> AnonymousMemory.allocate(1L << 50, arena));
        }
    }

    @Test
    void aMappingForAClosedArenaIsUnmappedAndRefused() throws IOException {
        assumeTrue(linux(), "anonymous mappings are made on Linux x86-64 and AArch64 only");
        Arena arena = Arena.ofShared();
        arena.close();
        long before = mappedBytes();
        for (int i = 0; i < 8; i++) {
            assertThrows(IllegalStateException.class, () -> AnonymousMemory.allocate(64L << 20, arena));
        }
        // eight 64 MiB mappings left behind would add 512 MiB; the JVM's own mappings move by far less meanwhile
        assertTrue(mappedBytes() - before < 256L << 20, "mapped bytes grew by " + (mappedBytes() - before));
    }

    /** The bytes of all this process's mappings. */
    private static long mappedBytes() throws IOException {
        long total = 0;
        for (long[] range : mappings(Path.of("/proc/self/maps"))) {
            total += range[1] - range[0];
        }
        return total;
    }

    /** Whether a mapping of this process covers {@code address}. */
    private static boolean mapped(Path maps, long address) throws IOException {
        for (long[] range : mappings(maps)) {
            if (Long.compareUnsigned(address, range[0]) >= 0 && Long.compareUnsigned(address, range[1]) < 0) {
                return true;
            }
        }
        return false;
    }

    /** [start, end) of each mapping listed in {@code maps} ("start-end perms ..." lines, hexadecimal). */
    private static List<long[]> mappings(Path maps) throws IOException {
        List<long[]> ranges = new ArrayList<>();
        for (String line : Files.readAllLines(maps)) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            ranges.add(new long[] {Long.parseUnsignedLong(range[0], 16), Long.parseUnsignedLong(range[1], 16)});
        }
        return ranges;
    }

    @Test
    void smallBuffersComeFromTheArena() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = AnonymousMemory.allocate(1000, arena);
            assertEquals(1000, buffer.byteSize());
            assertEquals(0, buffer.address() % 64, "64-byte aligned");
            assertEquals(-1L, buffer.mismatch(MemorySegment.ofArray(new byte[1000])), "zeroed");
        }
    }
}
