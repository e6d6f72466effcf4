package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Thompson NFA over bytes with call edges, built from an {@link Expr}, as the first step of compiling a rule.
 * {@link #determinize} turns it into a {@link DfaMachine} by the subset construction, treating each callee as a
 * letter of its own.
 */
final class Nfa {

    /** Limit on NFA states per rule, so that a forged repetition count cannot exhaust memory. */
    static final int MAX_STATES = 400_000;
    /** Limit on DFA states per rule. */
    static final int MAX_DFA_STATES = 100_000;

    // edges of state s: parallel lists
    private final List<int[]> byteEdges = new ArrayList<>();   // per state: [lo, hi, to, lo, hi, to, ...]
    private final List<int[]> epsilon = new ArrayList<>();     // per state: [to, ...]
    private final List<int[]> callEdges = new ArrayList<>();   // per state: [rule, to, ...]
    private final String rule;

    Nfa(String rule) {
        this.rule = rule;
    }

    int newState() {
        if (byteEdges.size() >= MAX_STATES) {
            throw new GrammarException("rule " + rule + " is too large (over " + MAX_STATES
                    + " automaton states); reduce repetition counts or lengths");
        }
        byteEdges.add(new int[0]);
        epsilon.add(new int[0]);
        callEdges.add(new int[0]);
        return byteEdges.size() - 1;
    }

    int size() {
        return byteEdges.size();
    }

    private static int[] append(int[] a, int... more) {
        int[] out = Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, out, a.length, more.length);
        return out;
    }

    void addBytes(int from, int lo, int hi, int to) {
        byteEdges.set(from, append(byteEdges.get(from), lo, hi, to));
    }

    void addEpsilon(int from, int to) {
        epsilon.set(from, append(epsilon.get(from), to));
    }

    void addCall(int from, int rule, int to) {
        callEdges.set(from, append(callEdges.get(from), rule, to));
    }

    /** Adds the states for {@code e} between {@code from} and {@code to}. */
    void build(Expr e, int from, int to) {
        switch (e) {
            case Expr.Chars c -> addChars(c.set(), from, to);
            case Expr.Bytes b -> addBytes(from, b.lo(), b.hi(), to);
            case Expr.Call c -> addCall(from, c.rule(), to);
            case Expr.Automaton a -> {
                CharDfa dfa = a.dfa();
                int[] state = new int[dfa.size()];
                for (int s = 0; s < state.length; s++) {
                    state[s] = newState();
                }
                addEpsilon(from, state[0]);
                java.util.Map<CodepointSet, Expr> edges = new java.util.HashMap<>();
                for (int s = 0; s < state.length; s++) {
                    if (dfa.accepting(s)) {
                        addEpsilon(state[s], to);
                    }
                    for (int k = 0; k < dfa.edgeCount(s); k++) {
                        Expr edge = edges.computeIfAbsent(dfa.edgeSet(s, k), a.edge());
                        build(edge, state[s], state[dfa.edgeTarget(s, k)]);
                    }
                }
            }
            case Expr.Seq s -> {
                if (s.items().isEmpty()) {
                    addEpsilon(from, to);
                    return;
                }
                int at = from;
                for (int i = 0; i < s.items().size(); i++) {
                    int next = i == s.items().size() - 1 ? to : newState();
                    build(s.items().get(i), at, next);
                    at = next;
                }
            }
            case Expr.Alt a -> {
                for (Expr item : a.items()) {
                    build(item, from, to);
                }
            }
            case Expr.Repeat r -> {
                int at = from;
                for (int i = 0; i < r.min(); i++) {
                    int next = newState();
                    build(r.item(), at, next);
                    at = next;
                }
                if (r.max() < 0) {
                    int loop = newState();
                    addEpsilon(at, loop);
                    int back = newState();
                    build(r.item(), loop, back);
                    addEpsilon(back, loop);
                    addEpsilon(loop, to);
                } else {
                    for (int i = r.min(); i < r.max(); i++) {
                        addEpsilon(at, to);
                        int next = i == r.max() - 1 ? to : newState();
                        build(r.item(), at, next);
                        at = next;
                    }
                    if (r.max() == r.min()) {
                        addEpsilon(at, to);
                    }
                }
            }
        }
    }

    /** The UTF-8 encodings of the set's code points between {@code from} and {@code to}, prefixes shared. */
    private void addChars(CodepointSet set, int from, int to) {
        List<int[]> sequences = new ArrayList<>();
        for (int i = 0; i < set.rangeCount(); i++) {
            Utf8Ranges.encode(set.lo(i), set.hi(i), sequences);
        }
        // share states among sequences with equal leading byte ranges (one level is enough to keep NFAs small)
        for (int[] seq : sequences) {
            int at = from;
            int n = seq.length / 2;
            for (int k = 0; k < n; k++) {
                int next = k == n - 1 ? to : newState();
                addBytes(at, seq[2 * k], seq[2 * k + 1], next);
                at = next;
            }
        }
    }

    /** Subset construction from {@code start}, accepting where {@code accept} is in the set. */
    DfaMachine determinize(int id, String name, int start, int accept) {
        return determinize(id, name, start, new int[] {accept});
    }

    /**
     * Subset construction with several accepting NFA states ("tags"): each DFA state records which of
     * {@code accepts} (by index) it contains in {@link DfaMachine#tags}.
     */
    DfaMachine determinize(int id, String name, int start, int[] accepts) {
        // byte classes: boundaries of every byte range in the NFA
        boolean[] cut = new boolean[257];
        cut[0] = true;
        cut[256] = true;
        for (int[] edges : byteEdges) {
            for (int k = 0; k < edges.length; k += 3) {
                cut[edges[k]] = true;
                cut[edges[k + 1] + 1] = true;
            }
        }
        byte[] classOf = new byte[256];
        int classes = -1;
        int[] representative = new int[256];
        for (int b = 0; b < 256; b++) {
            if (cut[b]) {
                classes++;
                representative[classes] = b;
            }
            classOf[b] = (byte) classes;
        }
        classes++;

        java.util.Map<IntArrayKey, Integer> index = new java.util.HashMap<>();
        List<int[]> subsets = new ArrayList<>();
        int[] first = closure(new int[] {start});
        index.put(new IntArrayKey(first), 0);
        subsets.add(first);
        IntList next = new IntList();
        List<int[]> calls = new ArrayList<>();
        List<int[]> tagList = new ArrayList<>();
        boolean[] mark = new boolean[size()];
        for (int d = 0; d < subsets.size(); d++) {
            int[] subset = subsets.get(d);
            IntList tags = new IntList();
            for (int k = 0; k < accepts.length; k++) {
                if (Arrays.binarySearch(subset, accepts[k]) >= 0) {
                    tags.add(k);
                }
            }
            tagList.add(tags.toArray());
            for (int c = 0; c < classes; c++) {
                int b = representative[c];
                IntList targets = new IntList();
                for (int s : subset) {
                    int[] edges = byteEdges.get(s);
                    for (int k = 0; k < edges.length; k += 3) {
                        if (b >= edges[k] && b <= edges[k + 1] && !mark[edges[k + 2]]) {
                            mark[edges[k + 2]] = true;
                            targets.add(edges[k + 2]);
                        }
                    }
                }
                for (int k = 0; k < targets.size(); k++) {
                    mark[targets.get(k)] = false;
                }
                next.add(targets.size() == 0 ? -1 : stateOf(closure(targets.toArray()), index, subsets, name));
            }
            // calls: one target set per callee
            java.util.TreeMap<Integer, IntList> byRule = new java.util.TreeMap<>();
            for (int s : subset) {
                int[] edges = callEdges.get(s);
                for (int k = 0; k < edges.length; k += 2) {
                    byRule.computeIfAbsent(edges[k], r -> new IntList()).add(edges[k + 1]);
                }
            }
            int[] out = new int[byRule.size() * 2];
            int k = 0;
            for (var entry : byRule.entrySet()) {
                out[k++] = entry.getKey();
                out[k++] = stateOf(closure(entry.getValue().toArray()), index, subsets, name);
            }
            calls.add(out);
        }
        boolean[] acc = new boolean[tagList.size()];
        for (int i = 0; i < acc.length; i++) {
            acc[i] = tagList.get(i).length > 0;
        }
        DfaMachine dfa = new DfaMachine(id, name, classOf, classes, next.toArray(), calls.toArray(int[][]::new), acc);
        dfa.tags = tagList.toArray(int[][]::new);
        return dfa;
    }

    private static int stateOf(int[] subset, java.util.Map<IntArrayKey, Integer> index, List<int[]> subsets,
                               String name) {
        IntArrayKey key = new IntArrayKey(subset);
        Integer known = index.get(key);
        if (known != null) {
            return known;
        }
        if (subsets.size() >= MAX_DFA_STATES) {
            throw new GrammarException("rule " + name + " is too large (over " + MAX_DFA_STATES + " states)");
        }
        index.put(key, subsets.size());
        subsets.add(subset);
        return subsets.size() - 1;
    }

    /** Epsilon closure, sorted. */
    private int[] closure(int[] states) {
        java.util.BitSet seen = new java.util.BitSet(size());
        int[] stack = new int[Math.max(16, states.length)];
        int top = 0;
        for (int s : states) {
            if (!seen.get(s)) {
                seen.set(s);
                if (top == stack.length) {
                    stack = Arrays.copyOf(stack, top * 2);
                }
                stack[top++] = s;
            }
        }
        while (top > 0) {
            int s = stack[--top];
            for (int t : epsilon.get(s)) {
                if (!seen.get(t)) {
                    seen.set(t);
                    if (top == stack.length) {
                        stack = Arrays.copyOf(stack, top * 2);
                    }
                    stack[top++] = t;
                }
            }
        }
        return seen.stream().toArray();
    }

    record IntArrayKey(int[] a) {
        @Override
        public boolean equals(Object o) {
            return o instanceof IntArrayKey k && Arrays.equals(a, k.a);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(a);
        }
    }

    /** A growable int array. */
    static final class IntList {
        private int[] a = new int[8];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int get(int i) {
            return a[i];
        }

        int size() {
            return n;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
