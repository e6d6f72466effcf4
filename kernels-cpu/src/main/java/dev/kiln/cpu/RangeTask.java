package dev.kiln.cpu;

/** A piece of parallel work: the indices {@code [start, end)} of a {@link CpuThreads#parallelFor} range. */
@FunctionalInterface
public interface RangeTask {
    void run(int start, int end);
}
