package dev.kiln.core.tokenizer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The BPE merges ({@code tokenizer.ggml.merges}, {@code "left right"} strings, rank = index, first occurrence wins as in
 * llama.cpp's {@code bpe_ranks}). Pairs of tokens are looked up by id in an open-addressing table holding the rank and the
 * id of the merged text; pairs involving text that is not a token fall back to a string map, built on first use.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final Vocabulary vocabulary;
    private final List<String> merges;
    // [capacity] (leftId << 32 | rightId) -> (rank << 32 | mergedId & 0xffffffff)
    private final long[] keys;
    private final long[] values;
    private final int mask;
    private volatile Map<String, Integer> textRanks;

    MergeTable(Vocabulary vocabulary, List<String> merges) {
        this.vocabulary = vocabulary;
        this.merges = merges;
        int capacity = Integer.highestOneBit(Math.max(16, merges.size() * 2)) * 2;
        this.keys = new long[capacity];
        this.values = new long[capacity];
        this.mask = capacity - 1;
        java.util.Arrays.fill(keys, EMPTY);
        TokenTable table = vocabulary.table();
        char[] joined = new char[64];
        for (int rank = 0; rank < merges.size(); rank++) {
            String merge = merges.get(rank);
            int space = merge.indexOf(' ', 1);
            if (space < 0) {
                continue;
            }
            int l = table.find(merge, 0, space);
            int r = table.find(merge, space + 1, merge.length());
            if (l >= 0 && r >= 0) {
                int n = merge.length() - 1;
                if (joined.length < n) {
                    joined = new char[n * 2];
                }
                merge.getChars(0, space, joined, 0);
                merge.getChars(space + 1, merge.length(), joined, space);
                int merged = table.find(joined, 0, n);
                putIfAbsent(pairKey(l, r), ((long) rank << 32) | (merged & 0xFFFF_FFFFL));
            }
        }
    }

    static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFF_FFFFL);
    }

    private void putIfAbsent(long key, long value) {
        int i = slot(key);
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
    }

    /** (rank << 32 | merged id) for the token pair, or -1 when they do not merge. */
    long lookup(int left, int right) {
        long key = pairKey(left, right);
        int i = slot(key);
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return -1L;
            }
            i = (i + 1) & mask;
        }
    }

    /** The rank of merging the spellings {@code left} and {@code right}, or -1. */
    int rankOf(String left, String right) {
        Map<String, Integer> ranks = textRanks;
        if (ranks == null) {
            ranks = new HashMap<>(merges.size() * 2);
            for (int rank = 0; rank < merges.size(); rank++) {
                String merge = merges.get(rank);
                if (merge.indexOf(' ', 1) >= 0) {
                    ranks.putIfAbsent(merge.substring(0, merge.indexOf(' ', 1)) + ' '
                            + merge.substring(merge.indexOf(' ', 1) + 1), rank);
                }
            }
            textRanks = ranks;
        }
        Integer rank = ranks.get(left + ' ' + right);
        return rank == null ? -1 : rank;
    }

    private int slot(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return (int) (h >>> 40) & mask;
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }
}
