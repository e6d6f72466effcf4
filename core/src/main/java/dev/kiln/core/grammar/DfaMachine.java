package dev.kiln.core.grammar;

import java.util.Arrays;

/**
 * A rule compiled to a table: byte classes, a transition table {@code [states][classes]}, the calls of each state
 * and the accepting states. {@link #minLength} is filled in by {@link GrammarBuilder} once every callee is known.
 */
final class DfaMachine extends Machine {

    private static final int[] NO_CALLS = new int[0];

    private final byte[] classOf;      // [256] byte -> class
    private final int classes;
    private final int[] next;          // [states * classes] -> state, or -1
    private final boolean[] scans;     // [states] some byte leads somewhere
    private final int[][] calls;       // [states] -> {callee, return, ...}
    private final boolean[] accepting; // [states]
    final int[] minLength;             // [states] bytes to acceptance
    int[][] tags;                      // [states] indexes of the NFA accept states in the state (see Nfa)

    DfaMachine(int id, String name, byte[] classOf, int classes, int[] next, int[][] calls, boolean[] accepting) {
        super(id, name);
        this.classOf = classOf;
        this.classes = classes;
        this.next = next;
        this.calls = calls;
        this.accepting = accepting;
        int states = accepting.length;
        this.scans = new boolean[states];
        for (int s = 0; s < states; s++) {
            for (int c = 0; c < classes; c++) {
                if (next[s * classes + c] >= 0) {
                    scans[s] = true;
                    break;
                }
            }
            if (calls[s].length == 0) {
                calls[s] = NO_CALLS;
            }
        }
        this.minLength = new int[states];
        Arrays.fill(minLength, UNREACHABLE);
    }

    private int[][] successors;        // [states] distinct byte successors, built on first use
    private Object structure;          // see structure()

    /**
     * A key equal for machines that match exactly alike (same tables, no calls), so that token masks computed for
     * one serve every grammar that has the same rule (a JSON string, a character class...); this machine itself
     * when it calls other rules.
     */
    Object structure() {
        Object k = structure;
        if (k == null) {
            boolean leaf = true;
            for (int[] c : calls) {
                leaf &= c.length == 0;
            }
            k = leaf ? new Structure(classOf, next, accepting) : this;
            structure = k;
        }
        return k;
    }

    private Object[] stateKeys;        // [states] see maskKey

    /**
     * For a machine without calls, the part of the automaton reachable from {@code state}, numbered in
     * breadth-first order, when it is small: the token mask depends on nothing else, so equal parts of different
     * rules (the content of every JSON string, whatever key or value it is) share one mask. Otherwise the
     * machine's structure and the state.
     */
    @Override
    Object maskKey(int state, int maxTokenBytes) {
        if (structure() == this) {
            return new MaskKey(this, state);
        }
        Object[] keys = stateKeys;
        if (keys == null) {
            keys = new Object[accepting.length];
            stateKeys = keys;
        }
        Object k = keys[state];
        if (k == null) {
            k = reachablePart(state);
            if (k == null) {
                k = new MaskKey(structure(), state);
            }
            keys[state] = k;
        }
        return k;
    }

    private Object reachablePart(int from) {
        int[] number = new int[accepting.length];
        java.util.Arrays.fill(number, -1);
        int[] order = new int[65];
        int n = 0;
        number[from] = n;
        order[n++] = from;
        Nfa.IntList code = new Nfa.IntList();
        for (int i = 0; i < n; i++) {
            int s = order[i];
            code.add(accepting[s] ? 1 : 0);
            for (int b = 0; b < 256; b++) {
                int t = next(s, b);
                if (t >= 0 && number[t] < 0) {
                    if (n == 64) {
                        return null;
                    }
                    number[t] = n;
                    order[n++] = t;
                }
                code.add(t < 0 ? -1 : number[t]);
            }
        }
        return new Part(code.toArray());
    }

    private record Part(int[] code) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Part p && java.util.Arrays.equals(code, p.code);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(code);
        }
    }

    private record Structure(byte[] classOf, int[] next, boolean[] accepting) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Structure s && java.util.Arrays.equals(next, s.next)
                    && java.util.Arrays.equals(classOf, s.classOf) && java.util.Arrays.equals(accepting, s.accepting);
        }

        @Override
        public int hashCode() {
            return (java.util.Arrays.hashCode(next) * 31 + java.util.Arrays.hashCode(classOf)) * 31
                    + java.util.Arrays.hashCode(accepting);
        }
    }

    /** The distinct states one byte leads to from {@code state}. */
    int[] successors(int state) {
        int[][] all = successors;
        if (all == null) {
            all = new int[accepting.length][];
            for (int s = 0; s < all.length; s++) {
                java.util.BitSet seen = new java.util.BitSet();
                for (int c = 0; c < classes; c++) {
                    int t = next[s * classes + c];
                    if (t >= 0) {
                        seen.set(t);
                    }
                }
                all[s] = seen.stream().toArray();
            }
            successors = all;
        }
        return all[state];
    }

    @Override
    int next(int state, int b) {
        return next[state * classes + classOf[b]];
    }

    @Override
    boolean scans(int state) {
        return scans[state];
    }

    @Override
    int[] calls(int state) {
        return calls[state];
    }

    @Override
    boolean accepting(int state) {
        return accepting[state];
    }

    @Override
    int minLength(int state) {
        return minLength[state];
    }

    @Override
    int stateCount() {
        return accepting.length;
    }

    /**
     * One relaxation sweep of {@link #minLength} given the callees' current values; true when something shrank.
     */
    @Override
    boolean relaxMinLength(Machine[] machines) {
        boolean changed = false;
        boolean again = true;
        while (again) {
            again = false;
            for (int s = accepting.length - 1; s >= 0; s--) {
                int best = accepting[s] ? 0 : minLength[s];
                for (int c = 0; c < classes; c++) {
                    int t = next[s * classes + c];
                    if (t >= 0 && minLength[t] < UNREACHABLE) {
                        best = Math.min(best, 1 + minLength[t]);
                    }
                }
                int[] cs = calls[s];
                for (int k = 0; k < cs.length; k += 2) {
                    int callee = machines[cs[k]].minLength(0);
                    int rest = minLength[cs[k + 1]];
                    if (callee < UNREACHABLE && rest < UNREACHABLE) {
                        best = Math.min(best, callee + rest);
                    }
                }
                if (best < minLength[s]) {
                    minLength[s] = best;
                    changed = true;
                    again = true;
                }
            }
        }
        return changed;
    }
}
