package dev.kiln.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuThreadsTest {

    @Test
    void everyIndexRunsExactlyOnce() {
        for (int threads : new int[] {1, 2, 3, 5}) {
            try (CpuThreads pool = new CpuThreads(threads)) {
                for (int count : new int[] {0, 1, 2, 7, 1000}) {
                    for (int repeat = 0; repeat < 50; repeat++) {
                        AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(count, 1));
                        pool.parallelFor(count, (start, end) -> {
                            for (int i = start; i < end; i++) {
                                hits.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < count; i++) {
                            assertEquals(1, hits.get(i), "threads " + threads + " count " + count + " index " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void nestedCallsRunInline() {
        try (CpuThreads pool = new CpuThreads(2)) {
            AtomicIntegerArray hits = new AtomicIntegerArray(16);
            pool.parallelFor(4, (s, e) -> {
                for (int i = s; i < e; i++) {
                    int outer = i;
                    pool.parallelFor(4, (s2, e2) -> {
                        for (int j = s2; j < e2; j++) {
                            hits.incrementAndGet(outer * 4 + j);
                        }
                    });
                }
            });
            for (int i = 0; i < 16; i++) {
                assertEquals(1, hits.get(i), "index " + i);
            }
        }
    }

    @Test
    void rangesAreCutIntoChunksThatAnyThreadMayClaim() {
        try (CpuThreads pool = new CpuThreads(2)) {
            java.util.Set<String> ranges = java.util.concurrent.ConcurrentHashMap.newKeySet();
            pool.parallelFor(1000, (s, e) -> ranges.add(s + ".." + e));
            // 2 threads x CHUNKS_PER_THREAD chunks, not one fixed part per thread
            assertEquals(2 * CpuThreads.CHUNKS_PER_THREAD + (1000 % (2 * CpuThreads.CHUNKS_PER_THREAD) == 0 ? 0 : 1),
                    ranges.size(), ranges.toString());
        }
    }

    @Test
    void failuresReachTheCaller() {
        try (CpuThreads pool = new CpuThreads(3)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(9, (s, end) -> {
                if (end == 9) {
                    throw new IllegalStateException("last part");
                }
            }));
            assertEquals("last part", e.getMessage());
            pool.parallelFor(3, (s, e2) -> { });
        }
        assertThrows(IllegalArgumentException.class, () -> new CpuThreads(0));
    }
}
