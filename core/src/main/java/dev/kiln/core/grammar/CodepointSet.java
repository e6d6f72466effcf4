package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of Unicode scalar values as sorted, disjoint, non-adjacent closed ranges. Surrogates
 * (U+D800..U+DFFF) are never members: they cannot be written in UTF-8, so the complement leaves them out.
 */
public final class CodepointSet {

    public static final int MAX = 0x10FFFF;
    public static final CodepointSet EMPTY = new CodepointSet(new int[0]);
    /** Every scalar value. */
    public static final CodepointSet ALL = of(0, MAX);

    private final int[] ranges; // [lo0, hi0, lo1, hi1, ...] sorted, disjoint, non-adjacent, no surrogates

    private CodepointSet(int[] ranges) {
        this.ranges = ranges;
    }

    public static CodepointSet of(int lo, int hi) {
        return new Builder().add(lo, hi).build();
    }

    public static CodepointSet single(int cp) {
        return of(cp, cp);
    }

    /** The characters of {@code chars} (each code point). */
    public static CodepointSet chars(String chars) {
        Builder b = new Builder();
        chars.codePoints().forEach(c -> b.add(c, c));
        return b.build();
    }

    public int rangeCount() {
        return ranges.length / 2;
    }

    public int lo(int i) {
        return ranges[2 * i];
    }

    public int hi(int i) {
        return ranges[2 * i + 1];
    }

    public boolean isEmpty() {
        return ranges.length == 0;
    }

    public boolean contains(int cp) {
        int lo = 0;
        int hi = rangeCount() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < lo(mid)) {
                hi = mid - 1;
            } else if (cp > hi(mid)) {
                lo = mid + 1;
            } else {
                return true;
            }
        }
        return false;
    }

    /** Number of members. */
    public long size() {
        long n = 0;
        for (int i = 0; i < rangeCount(); i++) {
            n += hi(i) - lo(i) + 1;
        }
        return n;
    }

    public CodepointSet union(CodepointSet other) {
        Builder b = new Builder();
        b.addAll(this);
        b.addAll(other);
        return b.build();
    }

    /** Every scalar value not in this set. */
    public CodepointSet complement() {
        Builder b = new Builder();
        int next = 0;
        for (int i = 0; i < rangeCount(); i++) {
            if (lo(i) > next) {
                b.add(next, lo(i) - 1);
            }
            next = hi(i) + 1;
        }
        if (next <= MAX) {
            b.add(next, MAX);
        }
        return b.build();
    }

    public CodepointSet intersect(CodepointSet other) {
        return complement().union(other.complement()).complement();
    }

    public CodepointSet minus(CodepointSet other) {
        return intersect(other.complement());
    }

    /** This set with both cases of every ASCII letter and of any letter {@link Character} maps simply. */
    public CodepointSet caseInsensitive() {
        Builder b = new Builder().addAll(this);
        for (int i = 0; i < rangeCount(); i++) {
            for (int c = lo(i); c <= Math.min(hi(i), 0xFFFF); c++) {
                int u = Character.toUpperCase(c);
                int l = Character.toLowerCase(c);
                b.add(u, u);
                b.add(l, l);
            }
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CodepointSet s && Arrays.equals(ranges, s.ranges);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(ranges);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < rangeCount(); i++) {
            s.append(String.format("%X", lo(i)));
            if (hi(i) != lo(i)) {
                s.append('-').append(String.format("%X", hi(i)));
            }
            if (i + 1 < rangeCount()) {
                s.append(' ');
            }
        }
        return s.append(']').toString();
    }

    /** Collects ranges in any order; {@link #build} sorts and merges them and removes surrogates. */
    public static final class Builder {
        private final List<int[]> pending = new ArrayList<>();

        public Builder add(int lo, int hi) {
            if (lo < 0 || hi > MAX || lo > hi) {
                throw new IllegalArgumentException("bad code point range " + lo + ".." + hi);
            }
            pending.add(new int[] {lo, hi});
            return this;
        }

        public Builder addAll(CodepointSet set) {
            for (int i = 0; i < set.rangeCount(); i++) {
                add(set.lo(i), set.hi(i));
            }
            return this;
        }

        public CodepointSet build() {
            List<int[]> split = new ArrayList<>();
            for (int[] r : pending) {
                if (r[1] < 0xD800 || r[0] > 0xDFFF) {
                    split.add(r);
                } else {
                    if (r[0] < 0xD800) {
                        split.add(new int[] {r[0], 0xD7FF});
                    }
                    if (r[1] > 0xDFFF) {
                        split.add(new int[] {0xE000, r[1]});
                    }
                }
            }
            split.sort((a, b) -> Integer.compare(a[0], b[0]));
            int[] out = new int[split.size() * 2];
            int n = 0;
            for (int[] r : split) {
                if (n > 0 && r[0] <= out[n - 1] + 1) {
                    out[n - 1] = Math.max(out[n - 1], r[1]);
                } else {
                    out[n++] = r[0];
                    out[n++] = r[1];
                }
            }
            return new CodepointSet(Arrays.copyOf(out, n));
        }
    }
}
