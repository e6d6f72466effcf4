package dev.kiln.core.grammar;

import java.util.List;

/**
 * Splits a range of code points into sequences of byte ranges whose concatenations are exactly the UTF-8
 * encodings of the range (the classic construction used by regex engines that match bytes).
 */
final class Utf8Ranges {

    private Utf8Ranges() {
    }

    /** Appends {@code [lo0, hi0, lo1, hi1, ...]} byte-range sequences for code points {@code lo..hi}. */
    static void encode(int lo, int hi, List<int[]> out) {
        if (lo > hi) {
            return;
        }
        int[] limits = {0x7F, 0x7FF, 0xFFFF};
        for (int limit : limits) {
            if (lo <= limit && hi > limit) {
                encode(lo, limit, out);
                encode(limit + 1, hi, out);
                return;
            }
        }
        if (hi <= 0x7F) {
            out.add(new int[] {lo, hi});
            return;
        }
        int n = length(lo);
        for (int i = 1; i < n; i++) {
            int m = (1 << (6 * i)) - 1;
            if ((lo & ~m) != (hi & ~m)) {
                if ((lo & m) != 0) {
                    encode(lo, lo | m, out);
                    encode((lo | m) + 1, hi, out);
                    return;
                }
                if ((hi & m) != m) {
                    encode(lo, (hi & ~m) - 1, out);
                    encode(hi & ~m, hi, out);
                    return;
                }
            }
        }
        int[] a = bytes(lo);
        int[] b = bytes(hi);
        int[] seq = new int[2 * n];
        for (int k = 0; k < n; k++) {
            seq[2 * k] = a[k];
            seq[2 * k + 1] = b[k];
        }
        out.add(seq);
    }

    static int length(int cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    }

    static int[] bytes(int cp) {
        return switch (length(cp)) {
            case 1 -> new int[] {cp};
            case 2 -> new int[] {0xC0 | (cp >> 6), 0x80 | (cp & 0x3F)};
            case 3 -> new int[] {0xE0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3F), 0x80 | (cp & 0x3F)};
            default -> new int[] {0xF0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3F), 0x80 | ((cp >> 6) & 0x3F),
                    0x80 | (cp & 0x3F)};
        };
    }
}
