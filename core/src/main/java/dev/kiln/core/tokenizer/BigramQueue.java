package dev.kiln.core.tokenizer;

import java.util.Arrays;

/**
 * The merge work queue shared by both tokenizers: a binary min-heap of candidate merges (left symbol, right symbol, merged
 * length, merged token) ordered by a 64-bit key, {@code priority << 32 | left}, so that ties go to the leftmost pair as in
 * llama.cpp's comparators. BPE's priority is the merge rank; SentencePiece's is the score, inverted (see
 * {@link #scorePriority(float)}).
 */
final class BigramQueue {
    // [capacity] heap-ordered entries.
    private long[] keys = new long[64];
    private int[] rights = new int[64];
    private int[] sizes = new int[64];
    private int[] tokens = new int[64];
    private int n;

    // The entry just popped.
    int left;
    int right;
    int size;
    int token;

    /** A priority that orders higher scores first (llama.cpp compares the floats; -0.0 and 0.0 are equal there). */
    static int scorePriority(float score) {
        int bits = Float.floatToIntBits(score + 0.0f);
        int sortable = bits ^ ((bits >> 31) & 0x7FFF_FFFF);
        return ~sortable;
    }

    void clear() {
        n = 0;
    }

    boolean isEmpty() {
        return n == 0;
    }

    void push(int priority, int left, int right, int size, int token) {
        if (n == keys.length) {
            int cap = n * 2;
            keys = Arrays.copyOf(keys, cap);
            rights = Arrays.copyOf(rights, cap);
            sizes = Arrays.copyOf(sizes, cap);
            tokens = Arrays.copyOf(tokens, cap);
        }
        long key = ((long) priority << 32) | (left & 0xFFFF_FFFFL);
        int i = n++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (keys[parent] <= key) {
                break;
            }
            move(parent, i);
            i = parent;
        }
        keys[i] = key;
        rights[i] = right;
        sizes[i] = size;
        tokens[i] = token;
    }

    /** Removes the best entry and exposes it in {@link #left}, {@link #right}, {@link #size}, {@link #token}. */
    void pop() {
        left = (int) keys[0];
        right = rights[0];
        size = sizes[0];
        token = tokens[0];
        int last = --n;
        long key = keys[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && keys[child + 1] < keys[child]) {
                child++;
            }
            if (key <= keys[child]) {
                break;
            }
            move(child, i);
            i = child;
        }
        if (n > 0) {
            keys[i] = key;
            rights[i] = rights[last];
            sizes[i] = sizes[last];
            tokens[i] = tokens[last];
        }
    }

    private void move(int from, int to) {
        keys[to] = keys[from];
        rights[to] = rights[from];
        sizes[to] = sizes[from];
        tokens[to] = tokens[from];
    }
}
