package dev.kiln.core.sampling;

import java.util.Arrays;

/**
 * Selection of the k largest logits without sorting the whole vocabulary, and the full sort when needed.
 *
 * <p>Each candidate is packed into one {@code long} key whose ascending order is "larger logit first, then
 * lower token id", so ordering needs no object allocation: the high 32 bits are the bitwise complement of the
 * logit's order-preserving integer form, the low 32 bits the token id.
 */
final class TopK {

    private TopK() {
    }

    static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit);
        int ordered = bits ^ ((bits >> 31) & 0x7fff_ffff); // same order as the float, as a signed int
        return ((long) ~ordered << 32) | (id & 0xffff_ffffL);
    }

    static int id(long key) {
        return (int) key;
    }

    /**
     * Writes the keys of the {@code k} best of {@code values[0..n)} into {@code keys[0..k)}, best first, and
     * returns how many were written ({@code min(k, n)}). {@code k <= 0} or {@code k >= n} sorts all of them.
     */
    static int select(float[] values, int n, int k, long[] keys) {
        if (k <= 0 || k >= n) {
            for (int i = 0; i < n; i++) {
                keys[i] = key(values[i], i);
            }
            Arrays.sort(keys, 0, n);
            return n;
        }
        // Max-heap on the key (root = the worst candidate kept so far).
        for (int i = 0; i < k; i++) {
            keys[i] = key(values[i], i);
            siftUp(keys, i);
        }
        for (int i = k; i < n; i++) {
            long candidate = key(values[i], i);
            if (candidate < keys[0]) {
                keys[0] = candidate;
                siftDown(keys, k);
            }
        }
        Arrays.sort(keys, 0, k);
        return k;
    }

    private static void siftUp(long[] heap, int i) {
        long v = heap[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] >= v) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = v;
    }

    private static void siftDown(long[] heap, int size) {
        long v = heap[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= v) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = v;
    }
}
