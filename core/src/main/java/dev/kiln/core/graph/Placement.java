package dev.kiln.core.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * Which slots run on the accelerator. Slots are the repeating blocks {@code 0..blockCount-1} plus the output head
 * (slot {@code blockCount}: final norm and output matrix); the token-embedding lookup always stays on the CPU.
 * {@code -ngl k} follows llama.cpp's rule: the output head is offloaded first, then the last {@code k-1} blocks;
 * {@code k >= blockCount+1} offloads everything. {@link #fit} implements {@code -ngl -1/auto}.
 *
 * @param offloaded [blockCount + 1]: slot i runs on the accelerator
 */
public record Placement(int blockCount, boolean[] offloaded) {

    /** The {@code -ngl} value meaning "as many as fit". */
    public static final int AUTO = -1;

    public Placement {
        if (offloaded.length != blockCount + 1) {
            throw new IllegalArgumentException("placement: " + offloaded.length + " slots for " + blockCount + " blocks");
        }
        offloaded = offloaded.clone();
    }

    /** Everything on the CPU. */
    public static Placement cpuOnly(int blockCount) {
        return new Placement(blockCount, new boolean[blockCount + 1]);
    }

    /** llama.cpp's {@code -ngl k} for {@code k >= 0}: output head first, then the last {@code k-1} blocks. */
    public static Placement gpuLayers(int blockCount, int k) {
        if (k < 0) {
            throw new IllegalArgumentException("gpu layers: expected >= 0 (use fit() for auto), found " + k);
        }
        int slots = Math.min(k, blockCount + 1);
        boolean[] off = new boolean[blockCount + 1];
        if (slots > 0) {
            off[blockCount] = true;
            for (int l = blockCount - (slots - 1); l < blockCount; l++) {
                off[l] = true;
            }
        }
        return new Placement(blockCount, off);
    }

    /**
     * {@code -ngl auto}: the largest k (in the order of {@link #gpuLayers}) whose slots fit in {@code freeBytes}
     * minus {@code fixedBytes} (workspace, activations) and {@code marginBytes}.
     *
     * @param blockBytes  [blockCount] device bytes of each block (weights + its KV cache)
     * @param outputBytes device bytes of the output head
     */
    public static Placement fit(long[] blockBytes, long outputBytes, long fixedBytes, long freeBytes, long marginBytes) {
        int n = blockBytes.length;
        long budget = freeBytes - fixedBytes - marginBytes;
        int k = 0;
        long used = outputBytes;
        if (used <= budget) {
            k = 1;
            for (int l = n - 1; l >= 0 && used + blockBytes[l] <= budget; l--) {
                used += blockBytes[l];
                k++;
            }
        }
        return gpuLayers(n, k);
    }

    /** A copy where the slots {@code supported} rejects stay on the CPU. */
    public Placement restrictTo(IntPredicate supported) {
        boolean[] off = offloaded.clone();
        for (int s = 0; s <= blockCount; s++) {
            off[s] &= supported.test(s);
        }
        return new Placement(blockCount, off);
    }

    @Override
    public boolean[] offloaded() {
        return offloaded.clone();
    }

    public boolean blockOffloaded(int layer) {
        return offloaded[layer];
    }

    public boolean outputOffloaded() {
        return offloaded[blockCount];
    }

    /** Number of offloaded slots (llama.cpp's "offloaded k/n+1 layers"). */
    public int offloadedSlots() {
        int k = 0;
        for (boolean b : offloaded) {
            k += b ? 1 : 0;
        }
        return k;
    }

    /** E.g. "blocks 0-22 cpu, blocks 23-31 + output cuda". */
    public String describe(String cpuName, String acceleratorName) {
        List<String> parts = new ArrayList<>();
        for (boolean onAccel : new boolean[] {false, true}) {
            List<String> ranges = new ArrayList<>();
            int start = -1;
            for (int l = 0; l <= blockCount; l++) {
                boolean in = l < blockCount && offloaded[l] == onAccel;
                if (in && start < 0) {
                    start = l;
                } else if (!in && start >= 0) {
                    ranges.add(start == l - 1 ? Integer.toString(start) : start + "-" + (l - 1));
                    start = -1;
                }
            }
            StringBuilder s = new StringBuilder();
            if (!ranges.isEmpty()) {
                s.append(ranges.size() == 1 && !ranges.getFirst().contains("-") ? "block " : "blocks ")
                        .append(String.join(",", ranges));
            }
            if (offloaded[blockCount] == onAccel) {
                s.append(s.isEmpty() ? "output" : " + output");
            }
            if (!s.isEmpty()) {
                parts.add(s + " " + (onAccel ? acceleratorName : cpuName));
            }
        }
        return String.join(", ", parts);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Placement p && p.blockCount == blockCount && Arrays.equals(p.offloaded, offloaded);
    }

    @Override
    public int hashCode() {
        return 31 * blockCount + Arrays.hashCode(offloaded);
    }

    @Override
    public String toString() {
        return describe("cpu", "accelerator");
    }
}
