package dev.kiln.core.grammar;

import java.util.Arrays;

/**
 * Where a matcher is: the set of stacks the text so far can be in (each with a top that can read a byte) and
 * whether the grammar may end here. States are immutable and interned per grammar, and each keeps a lazily filled
 * table of its successor per byte, so the pushdown automaton is determinized on the fly: walking a token's bytes
 * from a state already seen is one array read per byte.
 */
public final class MatchState {

    final Frame[] frames;   // the stacks, tops able to scan, in hash order
    final boolean canEnd;   // the whole grammar may end here
    private final int hash;
    int distance = -1;      // fewest bytes to the end, computed on first use (racy, idempotent)
    // successor per byte; filled racily (states are immutable, so any published value is a correct one)
    private MatchState[] next;

    MatchState(Frame[] frames, boolean canEnd) {
        Arrays.sort(frames, (a, b) -> Integer.compare(a.hashCode(), b.hashCode()));
        this.frames = frames;
        this.canEnd = canEnd;
        this.hash = Arrays.hashCode(frames) * 2 + (canEnd ? 1 : 0);
    }

    /** True when no further byte is possible and the grammar may not end: nothing can follow. */
    public boolean isDead() {
        return frames.length == 0 && !canEnd;
    }

    /** True when the grammar may end here (the end-of-generation token is allowed). */
    public boolean canEnd() {
        return canEnd;
    }

    /** True when the grammar may end here and no further text is possible. */
    public boolean isComplete() {
        return frames.length == 0 && canEnd;
    }

    MatchState cached(int b) {
        MatchState[] table = next;
        return table == null ? null : table[b];
    }

    void cache(int b, MatchState successor) {
        MatchState[] table = next;
        if (table == null) {
            table = new MatchState[256];
            next = table;
        }
        table[b] = successor;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof MatchState s && s.hash == hash && s.canEnd == canEnd && Arrays.equals(frames, s.frames);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "MatchState" + Arrays.toString(frames) + (canEnd ? " (may end)" : "");
    }
}
