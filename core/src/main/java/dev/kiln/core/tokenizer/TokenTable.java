package dev.kiln.core.tokenizer;

import java.util.Arrays;

/**
 * Token text to id without allocating: an open-addressing table over the token strings that is probed with a range of
 * chars (of a String or a char array), so the merge loops can ask "is this span a token?" millions of times a second.
 * Holds the first id of a duplicated text, like the vocabulary's map.
 */
final class TokenTable {
    private final String[] tokens;
    /** [capacity] id + 1, 0 = empty. */
    private final int[] slots;
    /** [capacity] the hash of the token in each slot (compared before the text). */
    private final int[] hashes;
    private final int mask;

    TokenTable(String[] tokens) {
        this.tokens = tokens;
        int capacity = Integer.highestOneBit(Math.max(16, tokens.length * 3)) * 2;
        this.slots = new int[capacity];
        this.hashes = new int[capacity];
        this.mask = capacity - 1;
        for (int id = 0; id < tokens.length; id++) {
            String t = tokens[id];
            int h = hash(t, 0, t.length());
            int i = h & mask;
            boolean duplicate = false;
            while (slots[i] != 0) {
                if (tokens[slots[i] - 1].equals(t)) {
                    duplicate = true;
                    break;
                }
                i = (i + 1) & mask;
            }
            if (!duplicate) {
                slots[i] = id + 1;
                hashes[i] = h;
            }
        }
    }

    /** The id of {@code s[from, to)}, or {@link Vocabulary#NONE}. */
    int find(String s, int from, int to) {
        int len = to - from;
        int h = hash(s, from, to);
        int i = h & mask;
        while (true) {
            int slot = slots[i];
            if (slot == 0) {
                return Vocabulary.NONE;
            }
            String t = tokens[slot - 1];
            if (hashes[i] == h && t.length() == len && t.regionMatches(0, s, from, len)) {
                return slot - 1;
            }
            i = (i + 1) & mask;
        }
    }

    /** The id of {@code chars[from, to)}, or {@link Vocabulary#NONE}. */
    int find(char[] chars, int from, int to) {
        int len = to - from;
        int h = 0;
        for (int k = from; k < to; k++) {
            h = 31 * h + chars[k];
        }
        h = mix(h);
        int i = h & mask;
        while (true) {
            int slot = slots[i];
            if (slot == 0) {
                return Vocabulary.NONE;
            }
            String t = tokens[slot - 1];
            if (hashes[i] == h && t.length() == len && equals(t, chars, from)) {
                return slot - 1;
            }
            i = (i + 1) & mask;
        }
    }

    private static boolean equals(String t, char[] chars, int from) {
        for (int k = 0; k < t.length(); k++) {
            if (t.charAt(k) != chars[from + k]) {
                return false;
            }
        }
        return true;
    }

    private static int hash(String s, int from, int to) {
        int h = 0;
        for (int k = from; k < to; k++) {
            h = 31 * h + s.charAt(k);
        }
        return mix(h);
    }

    private static int mix(int h) {
        h *= 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    int size() {
        return tokens.length;
    }

    @Override
    public String toString() {
        return "TokenTable[" + tokens.length + " tokens, " + slots.length + " slots, " + Arrays.stream(slots).filter(s -> s != 0).count() + " used]";
    }
}
