package dev.kiln.cpu.packed;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;
import java.util.Optional;

/**
 * Zeroed memory for the repacked weights. On Linux (x86-64 and AArch64) a buffer of at least {@link #MIN_BYTES} is
 * anonymous memory from {@code mmap}, unmapped when its arena closes; elsewhere, and where the call is missing or
 * fails, it comes from the arena.
 * <p>
 * Why: {@link Arena#allocate} fills its memory with zeros on the calling thread, which also takes every page fault of
 * the buffer there, before the packing (which runs on all the backend's threads) can start. The kernel hands out
 * anonymous pages already zeroed at their first write, so the faults are taken by the threads that pack. Mistral 7B
 * Q4_K_M, 4555 MiB repacked, two threads (Zen 3): allocating took 2.7-7.5 s and packing 6.0-7.0 s; mapped, 0.1 s and
 * 7.3-8.3 s. Transparent huge pages ({@code madvise(MADV_HUGEPAGE)}) made the packing slower (12.4-15.3 s: the kernel
 * compacts memory to find each 2 MiB page) and decode no faster within the noise, so they are not asked for.
 */
final class AnonymousMemory {
    /** Smaller buffers come from the arena: not worth a mapping of their own. */
    static final long MIN_BYTES = 1L << 21;
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 2;
    private static final int MAP_ANONYMOUS = 0x20;
    private static final long MAP_FAILED = -1L;

    /** mmap and munmap; absent where this class does not map (see the class comment). */
    private static final Optional<Calls> CALLS = Calls.find();

    private AnonymousMemory() {}

    /** {@code bytes} zeroed bytes, 64-byte aligned at least, freed when {@code arena} closes. */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (bytes < MIN_BYTES || CALLS.isEmpty()) {
            return arena.allocate(bytes, 64);
        }
        Calls calls = CALLS.get();
        MemorySegment address = calls.map(bytes);
        if (address.address() == MAP_FAILED) {
            return arena.allocate(bytes, 64); // the arena reports what is wrong (an OutOfMemoryError)
        }
        try {
            return address.reinterpret(bytes, arena, segment -> calls.unmap(segment, bytes));
        } catch (RuntimeException e) { // a closed arena, or another thread's confined one: nothing would unmap it
            calls.unmap(address, bytes);
            throw e;
        }
    }

    /** Whether buffers of {@link #MIN_BYTES} and more are mapped here. */
    static boolean maps() {
        return CALLS.isPresent();
    }

    private record Calls(MethodHandle mmap, MethodHandle munmap) {
        static Optional<Calls> find() {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
            if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
                return Optional.empty(); // the flag values above are Linux's on these two
            }
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                ValueLayout size = ValueLayout.JAVA_LONG;
                MethodHandle mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(
                        ValueLayout.ADDRESS, ValueLayout.ADDRESS, size, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                MethodHandle munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, size));
                return Optional.of(new Calls(mmap, munmap));
            } catch (RuntimeException | LinkageError e) { // no such symbol, or native access refused
                return Optional.empty();
            }
        }

        /** The address of a new private anonymous mapping of {@code bytes}, or -1 (MAP_FAILED). */
        MemorySegment map(long bytes) {
            try {
                return (MemorySegment) mmap.invokeExact(MemorySegment.NULL, bytes, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) { // invokeExact declares Throwable; a downcall throws nothing checked
                throw new IllegalStateException("mmap of " + bytes + " bytes failed", e);
            }
        }

        void unmap(MemorySegment segment, long bytes) {
            try {
                int ignored = (int) munmap.invokeExact(segment, bytes);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) { // as in map
                throw new IllegalStateException("munmap of " + bytes + " bytes failed", e);
            }
        }
    }
}
