package dev.kiln.core.tokenizer;

import java.util.Arrays;

/** A set of ints (open addressing, no boxing); {@link Integer#MIN_VALUE} cannot be stored. */
final class IntSet {
    private static final int EMPTY = Integer.MIN_VALUE;

    private int[] slots = new int[1024];
    private int size;

    IntSet() {
        Arrays.fill(slots, EMPTY);
    }

    void add(int v) {
        if (v == EMPTY) {
            throw new IllegalArgumentException("IntSet cannot hold Integer.MIN_VALUE");
        }
        if (size * 2 >= slots.length) {
            grow();
        }
        int i = slot(v, slots.length);
        while (slots[i] != EMPTY) {
            if (slots[i] == v) {
                return;
            }
            i = (i + 1) & (slots.length - 1);
        }
        slots[i] = v;
        size++;
    }

    boolean contains(int v) {
        int i = slot(v, slots.length);
        while (true) {
            int s = slots[i];
            if (s == v) {
                return true;
            }
            if (s == EMPTY) {
                return false;
            }
            i = (i + 1) & (slots.length - 1);
        }
    }

    private void grow() {
        int[] old = slots;
        slots = new int[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (int v : old) {
            if (v != EMPTY) {
                add(v);
            }
        }
    }

    private static int slot(int v, int capacity) {
        int h = v * 0x9E3779B9;
        return (h ^ (h >>> 16)) & (capacity - 1);
    }
}
