package dev.kiln.core.graph;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class PlacementTest {

    /** blocks, -ngl, expected slots as a string: one char per block then the output head ('g' offloaded, 'c' cpu). */
    @ParameterizedTest(name = "{0} blocks, -ngl {1} -> {2}")
    @CsvSource({
            "4, 0, cccc|c",
            "4, 1, cccc|g",
            "4, 2, cccg|g",
            "4, 3, ccgg|g",
            "4, 4, cggg|g",
            "4, 5, gggg|g",
            "4, 99, gggg|g",
            "1, 1, c|g",
            "1, 2, g|g",
            "32, 33, gggggggggggggggggggggggggggggggg|g",
            "32, 10, cccccccccccccccccccccccggggggggg|g",
    })
    void lastNSlotsGoToGpu(int blocks, int ngl, String expected) {
        Placement p = Placement.gpuLayers(blocks, ngl);
        assertEquals(expected, render(p));
        assertEquals(Math.min(ngl, blocks + 1), p.offloadedSlots());
    }

    @Test
    void fitTakesOutputFirstThenLastBlocks() {
        long[] blocks = {100, 100, 100, 100};
        assertEquals("cccc|c", render(Placement.fit(blocks, 50, 10, 59, 0)));   // output does not fit
        assertEquals("cccc|g", render(Placement.fit(blocks, 50, 10, 60, 0)));
        assertEquals("ccgg|g", render(Placement.fit(blocks, 50, 10, 260, 0)));
        assertEquals("ccgg|g", render(Placement.fit(blocks, 50, 10, 359, 0)));
        assertEquals("gggg|g", render(Placement.fit(blocks, 50, 10, 460, 0)));
        assertEquals("cggg|g", render(Placement.fit(blocks, 50, 10, 460, 1)));  // margin
    }

    @Test
    void unsupportedSlotsStayOnCpu() {
        Placement p = Placement.gpuLayers(4, 5).restrictTo(slot -> slot != 2);
        assertEquals("ggcg|g", render(p));
        assertEquals("block 2 cpu, blocks 0-1,3 + output cuda", p.describe("cpu", "cuda"));
    }

    @Test
    void describesRanges() {
        assertEquals("blocks 0-22 cpu, blocks 23-31 + output cuda", Placement.gpuLayers(32, 10).describe("cpu", "cuda"));
        assertEquals("blocks 0-3 + output cpu", Placement.cpuOnly(4).describe("cpu", "cuda"));
        assertEquals("blocks 0-3 + output cuda", Placement.gpuLayers(4, 5).describe("cpu", "cuda"));
    }

    @Test
    void rejectsNegativeLayerCount() {
        assertThrows(IllegalArgumentException.class, () -> Placement.gpuLayers(4, -1));
    }

    private static String render(Placement p) {
        StringBuilder s = new StringBuilder();
        for (int l = 0; l < p.blockCount(); l++) {
            s.append(p.blockOffloaded(l) ? 'g' : 'c');
        }
        return s.append('|').append(p.outputOffloaded() ? 'g' : 'c').toString();
    }
}
