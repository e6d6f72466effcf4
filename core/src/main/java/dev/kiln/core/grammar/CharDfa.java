package dev.kiln.core.grammar;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A deterministic automaton over code points whose edges are disjoint {@link CodepointSet}s: the language of a
 * string's decoded content (a regular-expression pattern, a format, a length range). Closed under intersection, so
 * {@code pattern}, {@code format}, {@code minLength} and {@code maxLength} of one schema combine exactly. Every state
 * can reach an accepting one (dead states are trimmed). State 0 is the start.
 */
public final class CharDfa {

    /** Limit on states, against forged lengths and patterns. */
    static final int MAX_STATES = 70_000;

    private final CodepointSet[][] sets;   // [state][edge]
    private final int[][] targets;         // [state][edge]
    private final boolean[] accepting;

    private CharDfa(CodepointSet[][] sets, int[][] targets, boolean[] accepting) {
        this.sets = sets;
        this.targets = targets;
        this.accepting = accepting;
    }

    /** Any sequence of code points of {@code set}. */
    public static CharDfa star(CodepointSet set) {
        return new CharDfa(new CodepointSet[][] {{set}}, new int[][] {{0}}, new boolean[] {true});
    }

    /** The language of a code-point expression (chars, sequences, alternatives, repetitions; no calls). */
    public static CharDfa of(Expr e) {
        SetNfa nfa = new SetNfa();
        int start = nfa.newState();
        int accept = nfa.newState();
        nfa.build(e, start, accept);
        return nfa.determinize(start, accept).trim();
    }

    public int size() {
        return accepting.length;
    }

    public boolean accepting(int s) {
        return accepting[s];
    }

    public int edgeCount(int s) {
        return sets[s].length;
    }

    public CodepointSet edgeSet(int s, int k) {
        return sets[s][k];
    }

    public int edgeTarget(int s, int k) {
        return targets[s][k];
    }

    /** True when no string is accepted. */
    public boolean isEmpty() {
        for (boolean a : accepting) {
            if (a) {
                return false;
            }
        }
        return true;
    }

    /** True when this accepts every string (one accepting state looping on every code point). */
    public boolean isUniversal() {
        return size() == 1 && accepting[0] && sets[0].length == 1 && sets[0][0].equals(CodepointSet.ALL);
    }

    public boolean accepts(String text) {
        int s = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int t = -1;
            for (int k = 0; k < sets[s].length; k++) {
                if (sets[s][k].contains(cp)) {
                    t = targets[s][k];
                    break;
                }
            }
            if (t < 0) {
                return false;
            }
            s = t;
        }
        return accepting[s];
    }

    /** Code points in the shortest accepted string, or -1 when none is accepted. */
    public int shortest() {
        int[] dist = new int[size()];
        Arrays.fill(dist, -1);
        dist[0] = 0;
        Deque<Integer> work = new ArrayDeque<>();
        work.add(0);
        while (!work.isEmpty()) {
            int s = work.poll();
            if (accepting[s]) {
                return dist[s];
            }
            for (int t : targets[s]) {
                if (dist[t] < 0) {
                    dist[t] = dist[s] + 1;
                    work.add(t);
                }
            }
        }
        return -1;
    }

    /** Code points in the longest accepted string, or -1 when there is no longest (a loop). */
    public int longest() {
        int n = size();
        int[] memo = new int[n];
        Arrays.fill(memo, -2);   // -2 unknown, -3 on the path
        return longest(0, memo);
    }

    private int longest(int s, int[] memo) {
        if (memo[s] == -3) {
            return Integer.MIN_VALUE; // a cycle
        }
        if (memo[s] != -2) {
            return memo[s];
        }
        memo[s] = -3;
        int best = accepting[s] ? 0 : Integer.MIN_VALUE + 1;
        for (int t : targets[s]) {
            int v = longest(t, memo);
            if (v == Integer.MIN_VALUE) {
                memo[s] = -2;
                return Integer.MIN_VALUE;
            }
            best = Math.max(best, v + 1);
        }
        memo[s] = best;
        return best;
    }

    /** Every string this does not accept. */
    public CharDfa complement() {
        int n = size();
        int sink = n;
        CodepointSet[][] ns = new CodepointSet[n + 1][];
        int[][] nt = new int[n + 1][];
        boolean[] na = new boolean[n + 1];
        for (int s = 0; s < n; s++) {
            CodepointSet covered = CodepointSet.EMPTY;
            for (CodepointSet e : sets[s]) {
                covered = covered.union(e);
            }
            CodepointSet rest = covered.complement();
            ns[s] = Arrays.copyOf(sets[s], sets[s].length + (rest.isEmpty() ? 0 : 1));
            nt[s] = Arrays.copyOf(targets[s], targets[s].length + (rest.isEmpty() ? 0 : 1));
            if (!rest.isEmpty()) {
                ns[s][sets[s].length] = rest;
                nt[s][targets[s].length] = sink;
            }
            na[s] = !accepting[s];
        }
        ns[sink] = new CodepointSet[] {CodepointSet.ALL};
        nt[sink] = new int[] {sink};
        na[sink] = true;
        return new CharDfa(ns, nt, na).trim();
    }

    /** Strings accepted by this and not by {@code other}. */
    public CharDfa minus(CharDfa other) {
        return intersect(other.complement());
    }

    /** Strings accepted by both. */
    public CharDfa intersect(CharDfa other) {
        Map<Long, Integer> index = new HashMap<>();
        List<long[]> pairs = new ArrayList<>();
        List<List<CodepointSet>> outSets = new ArrayList<>();
        List<List<Integer>> outTargets = new ArrayList<>();
        index.put(0L, 0);
        pairs.add(new long[] {0, 0});
        for (int p = 0; p < pairs.size(); p++) {
            int a = (int) pairs.get(p)[0];
            int b = (int) pairs.get(p)[1];
            List<CodepointSet> es = new ArrayList<>();
            List<Integer> ts = new ArrayList<>();
            for (int i = 0; i < sets[a].length; i++) {
                for (int j = 0; j < other.sets[b].length; j++) {
                    CodepointSet both = sets[a][i].intersect(other.sets[b][j]);
                    if (both.isEmpty()) {
                        continue;
                    }
                    int ta = targets[a][i];
                    int tb = other.targets[b][j];
                    long key = ((long) ta << 32) | tb;
                    Integer t = index.get(key);
                    if (t == null) {
                        if (pairs.size() >= MAX_STATES) {
                            throw new GrammarException("string constraints too large to combine (over "
                                    + MAX_STATES + " states)");
                        }
                        t = pairs.size();
                        index.put(key, t);
                        pairs.add(new long[] {ta, tb});
                    }
                    es.add(both);
                    ts.add(t);
                }
            }
            outSets.add(es);
            outTargets.add(ts);
        }
        boolean[] acc = new boolean[pairs.size()];
        for (int p = 0; p < acc.length; p++) {
            acc[p] = accepting[(int) pairs.get(p)[0]] && other.accepting[(int) pairs.get(p)[1]];
        }
        return assemble(outSets, outTargets, acc).trim();
    }

    /** Strings of this language with {@code min..max} code points ({@code max < 0}: no maximum). */
    public CharDfa lengthBetween(int min, int max) {
        int cap = max >= 0 ? max : min;         // counts past min are all alike when there is no maximum
        long states = (long) size() * (cap + 1);
        if (states > MAX_STATES) {
            throw new GrammarException("string length bound " + (max >= 0 ? max : min)
                    + " is too large to enforce with this pattern (" + states + " states)");
        }
        Map<Long, Integer> index = new HashMap<>();
        List<long[]> pairs = new ArrayList<>();
        List<List<CodepointSet>> outSets = new ArrayList<>();
        List<List<Integer>> outTargets = new ArrayList<>();
        index.put(0L, 0);
        pairs.add(new long[] {0, 0});
        for (int p = 0; p < pairs.size(); p++) {
            int s = (int) pairs.get(p)[0];
            int c = (int) pairs.get(p)[1];
            List<CodepointSet> es = new ArrayList<>();
            List<Integer> ts = new ArrayList<>();
            int nc = max >= 0 ? c + 1 : Math.min(c + 1, cap);
            if (max < 0 || c < max) {
                for (int k = 0; k < sets[s].length; k++) {
                    long key = ((long) targets[s][k] << 32) | nc;
                    Integer t = index.get(key);
                    if (t == null) {
                        t = pairs.size();
                        index.put(key, t);
                        pairs.add(new long[] {targets[s][k], nc});
                    }
                    es.add(sets[s][k]);
                    ts.add(t);
                }
            }
            outSets.add(es);
            outTargets.add(ts);
        }
        boolean[] acc = new boolean[pairs.size()];
        for (int p = 0; p < acc.length; p++) {
            acc[p] = accepting[(int) pairs.get(p)[0]] && pairs.get(p)[1] >= min;
        }
        return assemble(outSets, outTargets, acc).trim();
    }

    /** Drops the states that cannot reach an accepting state (keeping the start, possibly alone and rejecting). */
    CharDfa trim() {
        int n = size();
        List<List<Integer>> reverse = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            reverse.add(new ArrayList<>());
        }
        for (int s = 0; s < n; s++) {
            for (int t : targets[s]) {
                reverse.get(t).add(s);
            }
        }
        BitSet live = new BitSet(n);
        Deque<Integer> work = new ArrayDeque<>();
        for (int s = 0; s < n; s++) {
            if (accepting[s]) {
                live.set(s);
                work.add(s);
            }
        }
        while (!work.isEmpty()) {
            for (int p : reverse.get(work.poll())) {
                if (!live.get(p)) {
                    live.set(p);
                    work.add(p);
                }
            }
        }
        if (!live.get(0)) {
            return new CharDfa(new CodepointSet[][] {{}}, new int[][] {{}}, new boolean[] {false});
        }
        // renumber the live states reachable from the start
        int[] number = new int[n];
        Arrays.fill(number, -1);
        List<Integer> order = new ArrayList<>();
        number[0] = 0;
        order.add(0);
        for (int i = 0; i < order.size(); i++) {
            int s = order.get(i);
            for (int t : targets[s]) {
                if (live.get(t) && number[t] < 0) {
                    number[t] = order.size();
                    order.add(t);
                }
            }
        }
        CodepointSet[][] ns = new CodepointSet[order.size()][];
        int[][] nt = new int[order.size()][];
        boolean[] na = new boolean[order.size()];
        for (int i = 0; i < order.size(); i++) {
            int s = order.get(i);
            List<CodepointSet> es = new ArrayList<>();
            List<Integer> ts = new ArrayList<>();
            for (int k = 0; k < sets[s].length; k++) {
                if (number[targets[s][k]] >= 0) {
                    es.add(sets[s][k]);
                    ts.add(number[targets[s][k]]);
                }
            }
            ns[i] = es.toArray(CodepointSet[]::new);
            nt[i] = ts.stream().mapToInt(Integer::intValue).toArray();
            na[i] = accepting[s];
        }
        return new CharDfa(ns, nt, na);
    }

    private static CharDfa assemble(List<List<CodepointSet>> sets, List<List<Integer>> targets, boolean[] acc) {
        CodepointSet[][] s = new CodepointSet[sets.size()][];
        int[][] t = new int[sets.size()][];
        for (int i = 0; i < s.length; i++) {
            s[i] = sets.get(i).toArray(CodepointSet[]::new);
            t[i] = targets.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return new CharDfa(s, t, acc);
    }

    /** A Thompson NFA whose edges are code-point sets. */
    private static final class SetNfa {
        private final List<List<CodepointSet>> sets = new ArrayList<>();
        private final List<List<Integer>> targets = new ArrayList<>();
        private final List<List<Integer>> epsilon = new ArrayList<>();

        int newState() {
            if (sets.size() >= Nfa.MAX_STATES) {
                throw new GrammarException("pattern too large (over " + Nfa.MAX_STATES + " states)");
            }
            sets.add(new ArrayList<>());
            targets.add(new ArrayList<>());
            epsilon.add(new ArrayList<>());
            return sets.size() - 1;
        }

        void build(Expr e, int from, int to) {
            switch (e) {
                case Expr.Chars c -> {
                    sets.get(from).add(c.set());
                    targets.get(from).add(to);
                }
                case Expr.Seq s -> {
                    if (s.items().isEmpty()) {
                        epsilon.get(from).add(to);
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
                        epsilon.get(at).add(loop);
                        int back = newState();
                        build(r.item(), loop, back);
                        epsilon.get(back).add(loop);
                        epsilon.get(loop).add(to);
                    } else {
                        epsilon.get(at).add(to);
                        for (int i = r.min(); i < r.max(); i++) {
                            int next = newState();
                            build(r.item(), at, next);
                            epsilon.get(next).add(to);
                            at = next;
                        }
                    }
                }
                default -> throw new IllegalArgumentException("not a code-point expression: " + e);
            }
        }

        CharDfa determinize(int start, int accept) {
            Map<BitSet, Integer> index = new HashMap<>();
            List<BitSet> subsets = new ArrayList<>();
            List<List<CodepointSet>> outSets = new ArrayList<>();
            List<List<Integer>> outTargets = new ArrayList<>();
            BitSet first = closure(bits(start));
            index.put(first, 0);
            subsets.add(first);
            for (int d = 0; d < subsets.size(); d++) {
                BitSet subset = subsets.get(d);
                List<CodepointSet> edges = new ArrayList<>();
                List<Integer> to = new ArrayList<>();
                TreeSet<Integer> cuts = new TreeSet<>();
                for (int s = subset.nextSetBit(0); s >= 0; s = subset.nextSetBit(s + 1)) {
                    edges.addAll(sets.get(s));
                    to.addAll(targets.get(s));
                }
                for (CodepointSet set : edges) {
                    for (int i = 0; i < set.rangeCount(); i++) {
                        cuts.add(set.lo(i));
                        cuts.add(set.hi(i) + 1);
                    }
                }
                Map<BitSet, CodepointSet.Builder> byTarget = new java.util.LinkedHashMap<>();
                Integer[] points = cuts.toArray(Integer[]::new);
                for (int p = 0; p + 1 < points.length; p++) {
                    int lo = points[p];
                    int hi = points[p + 1] - 1;
                    BitSet target = new BitSet();
                    for (int k = 0; k < edges.size(); k++) {
                        if (edges.get(k).contains(lo)) {
                            target.set(to.get(k));
                        }
                    }
                    if (!target.isEmpty()) {
                        byTarget.computeIfAbsent(target, x -> new CodepointSet.Builder()).add(lo, hi);
                    }
                }
                List<CodepointSet> es = new ArrayList<>();
                List<Integer> ts = new ArrayList<>();
                for (var entry : byTarget.entrySet()) {
                    BitSet closed = closure(entry.getKey());
                    Integer t = index.get(closed);
                    if (t == null) {
                        if (subsets.size() >= MAX_STATES) {
                            throw new GrammarException("pattern too large (over " + MAX_STATES + " states)");
                        }
                        t = subsets.size();
                        index.put(closed, t);
                        subsets.add(closed);
                    }
                    es.add(entry.getValue().build());
                    ts.add(t);
                }
                outSets.add(es);
                outTargets.add(ts);
            }
            boolean[] acc = new boolean[subsets.size()];
            for (int i = 0; i < acc.length; i++) {
                acc[i] = subsets.get(i).get(accept);
            }
            return assemble(outSets, outTargets, acc);
        }

        private static BitSet bits(int s) {
            BitSet b = new BitSet();
            b.set(s);
            return b;
        }

        private BitSet closure(BitSet states) {
            BitSet out = (BitSet) states.clone();
            Deque<Integer> work = new ArrayDeque<>();
            states.stream().forEach(work::add);
            while (!work.isEmpty()) {
                for (int t : epsilon.get(work.poll())) {
                    if (!out.get(t)) {
                        out.set(t);
                        work.add(t);
                    }
                }
            }
            return out;
        }
    }
}
