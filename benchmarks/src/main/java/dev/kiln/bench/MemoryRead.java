package dev.kiln.bench;

import dev.kiln.cpu.CpuThreads;
import dev.kiln.cpu.RangeTask;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The bandwidth baseline: reads every byte of a buffer once with vector loads (xor-folded so nothing is optimised
 * away), split across the same {@link CpuThreads} the kernels use, in 64 KiB chunks like rows of a matrix.
 */
final class MemoryRead {
    private static final VectorSpecies<Long> S = LongVector.SPECIES_PREFERRED;
    private static final int CHUNK = 64 * 1024;

    private final CpuThreads threads;
    private final long[] partials; // [chunks]: one result slot per chunk, no sharing between threads
    private final RangeTask task = this::read;
    private MemorySegment buffer;

    MemoryRead(CpuThreads threads, long maxBytes) {
        this.threads = threads;
        this.partials = new long[(int) ((maxBytes + CHUNK - 1) / CHUNK)];
    }

    /** Reads all of {@code segment} (its size a multiple of the vector size); returns a fold of what it read. */
    long readAll(MemorySegment segment) {
        buffer = segment;
        int chunks = (int) ((segment.byteSize() + CHUNK - 1) / CHUNK);
        threads.parallelFor(chunks, task);
        long x = 0;
        for (int i = 0; i < chunks; i++) {
            x ^= partials[i];
        }
        return x;
    }

    private void read(int start, int end) {
        MemorySegment seg = buffer;
        int step = S.vectorByteSize();
        for (int c = start; c < end; c++) {
            long from = (long) c * CHUNK;
            long to = Math.min(seg.byteSize(), from + CHUNK);
            LongVector a0 = LongVector.zero(S);
            LongVector a1 = LongVector.zero(S);
            long o = from;
            for (; o + 2L * step <= to; o += 2L * step) {
                a0 = a0.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(S, seg, o, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.lanewise(VectorOperators.XOR, LongVector.fromMemorySegment(S, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            }
            long x = a0.lanewise(VectorOperators.XOR, a1).reduceLanes(VectorOperators.XOR);
            for (; o < to; o++) {
                x ^= seg.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o);
            }
            partials[c] = x;
        }
    }
}
