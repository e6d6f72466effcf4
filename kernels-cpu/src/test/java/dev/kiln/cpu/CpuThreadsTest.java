package dev.kiln.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * Guided chunks: each claim takes the indices left over threads · SHARES_PER_THREAD, so the ranges are the same
     * whichever thread claims them, shrink from a quarter of the range (two threads) and end in single indices.
     */
    @Test
    void rangesAreCutIntoShrinkingChunksThatAnyThreadMayClaim() {
        try (CpuThreads pool = new CpuThreads(2)) {
            java.util.Set<String> ranges = java.util.concurrent.ConcurrentHashMap.newKeySet();
            pool.parallelFor(1000, (s, e) -> ranges.add(s + ".." + e));
            java.util.Set<String> expected = new java.util.HashSet<>();
            int sizeOne = 0;
            for (int start = 0; start < 1000; ) {
                int size = Math.max(1, (1000 - start) / (2 * CpuThreads.SHARES_PER_THREAD));
                expected.add(start + ".." + (start + size));
                sizeOne += size == 1 ? 1 : 0;
                start += size;
            }
            assertEquals(expected, ranges);
            assertTrue(ranges.contains("0..250"), ranges.toString());
            assertTrue(ranges.contains("999..1000") && sizeOne >= 3, ranges.toString());
            assertEquals(1, CpuThreads.chunk(3, 2));
            assertEquals(1, CpuThreads.chunk(1, 8));
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
