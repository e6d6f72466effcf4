package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON object whose members may come in any order, as JSON allows: {@code properties} each at most once, the
 * {@code required} ones before the closing brace, keys matching a {@code patternProperties} pattern, other keys
 * where {@code additionalProperties} allows them, and {@code minProperties}/{@code maxProperties}. A context-free
 * grammar would need a rule per subset of properties seen; this machine instead carries the set in its state and
 * creates states as the matcher reaches them.
 *
 * <p>Text: {@code "{" ws (member (ws "," ws member)*)? ws "}"}, {@code member = key ws ":" ws value}, where ws is
 * nothing, one space, or a line break and up to 20 spaces or tabs. Keys are read by calls, one rule per tag: tag
 * {@code i < literals} is property i (its exact JSON text), then one per pattern, then (optionally) one for any
 * other key; the compiler makes their languages disjoint (a pattern's keys exclude the property names, "other"
 * excludes both), so the stack that survives the key's closing quote knows which member it read. A key rule is
 * called only while its tag may still come (a property not yet seen), so duplicates cannot be written.
 */
final class ObjectMachine extends Machine {

    private static final int OPEN = 0;
    private static final int AFTER_OPEN = 1;
    private static final int AFTER_KEY = 3;
    private static final int AFTER_COLON = 4;
    private static final int AFTER_VALUE = 5;
    private static final int AFTER_COMMA = 6;
    private static final int END = 7;

    private static final int MAX_INDENT = 20;

    private final int[] keyRule;       // [tag] rule reading the key's JSON text
    private final int literals;        // tags [0, literals) are properties
    private final int patterns;        // tags [literals, literals + patterns) are patterns
    private final boolean other;       // tag literals + patterns: any other key
    private final int[] valueRule;     // [tag] rule of the value
    private final long[] required;     // bits of literal tags
    private final int minProperties;
    private final int maxProperties;   // -1: none
    private Machine[] machines;        // all rules of the grammar, for the values' lengths

    /** An object state; {@code x} is the tag (AFTER_KEY, AFTER_COLON). */
    private record State(int phase, int x, int ws, long[] seen, int count) {
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.phase == phase && s.x == x && s.ws == ws && s.count == count
                    && Arrays.equals(s.seen, seen);
        }

        @Override
        public int hashCode() {
            return ((phase * 31 + x) * 31 + ws) * 31 + count + 7 * Arrays.hashCode(seen);
        }
    }

    private final Map<State, Integer> index = new HashMap<>();
    private final List<State> states = new ArrayList<>();
    private final List<Integer> minCache = new ArrayList<>();
    private final List<int[]> callCache = new ArrayList<>();
    private volatile boolean frozen;

    ObjectMachine(int id, String name, int[] keyRule, int literals, int patterns, boolean other, int[] valueRule,
                  long[] required, int minProperties, int maxProperties) {
        super(id, name);
        this.keyRule = keyRule;
        this.literals = literals;
        this.patterns = patterns;
        this.other = other;
        this.valueRule = valueRule;
        this.required = required;
        this.minProperties = minProperties;
        this.maxProperties = maxProperties;
        stateOf(new State(OPEN, 0, 0, new long[(literals + 63) / 64], 0));
    }

    private synchronized int stateOf(State s) {
        Integer known = index.get(s);
        if (known != null) {
            return known;
        }
        if (states.size() >= 1_000_000) {
            throw new IllegalStateException("object " + name + ": too many states");
        }
        index.put(s, states.size());
        states.add(s);
        minCache.add(-1);
        callCache.add(null);
        return states.size() - 1;
    }

    private synchronized State state(int id) {
        return states.get(id);
    }

    @Override
    synchronized int stateCount() {
        return states.size();
    }

    private int tags() {
        return literals + patterns + (other ? 1 : 0);
    }

    private boolean seen(long[] seen, int tag) {
        return tag < literals && (seen[tag >>> 6] & (1L << tag)) != 0;
    }

    private long[] with(long[] seen, int tag) {
        if (tag >= literals) {
            return seen;
        }
        long[] out = seen.clone();
        out[tag >>> 6] |= 1L << tag;
        return out;
    }

    private int countAfter(int count) {
        // at least 1: "no member yet" (no comma before the next) must stay distinct from "some"
        int cap = Math.max(1, Math.max(minProperties, maxProperties + 1));
        return Math.min(count + 1, cap);
    }

    private boolean canClose(long[] seen, int count) {
        for (int w = 0; w < required.length; w++) {
            if ((required[w] & ~seen[w]) != 0) {
                return false;
            }
        }
        return count >= minProperties;
    }

    private boolean canAdd(long[] seen, int count) {
        if (maxProperties >= 0 && count >= maxProperties) {
            return false;
        }
        if (patterns > 0 || other) {
            return true;
        }
        for (int t = 0; t < literals; t++) {
            if (!seen(seen, t)) {
                return true;
            }
        }
        return false;
    }

    private static int ws(int w, int b) {
        if (w == 0) {
            return b == ' ' ? 1 : b == '\n' ? 2 : -1;
        }
        if (w >= 2 && w < 2 + MAX_INDENT && (b == ' ' || b == '\t')) {
            return w + 1;
        }
        return -1;
    }

    @Override
    int next(int id, int b) {
        State s = state(id);
        switch (s.phase) {
            case OPEN -> {
                return b == '{' ? stateOf(new State(AFTER_OPEN, 0, 0, s.seen, 0)) : -1;
            }
            case AFTER_OPEN, AFTER_COMMA -> {
                int w = ws(s.ws, b);
                if (w >= 0) {
                    return stateOf(new State(s.phase, 0, w, s.seen, s.count));
                }
                if (b == '}' && s.phase == AFTER_OPEN && canClose(s.seen, s.count)) {
                    return stateOf(new State(END, 0, 0, s.seen, s.count));
                }
                return -1;
            }
            case AFTER_KEY -> {
                int w = ws(s.ws, b);
                if (w >= 0) {
                    return stateOf(new State(AFTER_KEY, s.x, w, s.seen, s.count));
                }
                return b == ':' ? stateOf(new State(AFTER_COLON, s.x, 0, s.seen, s.count)) : -1;
            }
            case AFTER_COLON -> {
                int w = ws(s.ws, b);
                return w >= 0 ? stateOf(new State(AFTER_COLON, s.x, w, s.seen, s.count)) : -1;
            }
            case AFTER_VALUE -> {
                int w = ws(s.ws, b);
                if (w >= 0) {
                    return stateOf(new State(AFTER_VALUE, 0, w, s.seen, s.count));
                }
                if (b == ',' && canAdd(s.seen, s.count)) {
                    return stateOf(new State(AFTER_COMMA, 0, 0, s.seen, s.count));
                }
                if (b == '}' && canClose(s.seen, s.count)) {
                    return stateOf(new State(END, 0, 0, s.seen, s.count));
                }
                return -1;
            }
            default -> {
                return -1;
            }
        }
    }

    @Override
    boolean scans(int id) {
        State s = state(id);
        if (s.phase == AFTER_COLON || s.phase == AFTER_COMMA) {
            return ws(s.ws, ' ') >= 0 || ws(s.ws, '\n') >= 0;
        }
        return s.phase != END;
    }

    @Override
    int[] calls(int id) {
        synchronized (this) {
            int[] known = callCache.get(id);
            if (known != null) {
                return known;
            }
        }
        State s = state(id);
        int[] out;
        if (s.phase == AFTER_COLON) {
            int ret = stateOf(new State(AFTER_VALUE, 0, 0, with(s.seen, s.x), countAfter(s.count)));
            out = new int[] {valueRule[s.x], ret};
        } else if (s.phase == AFTER_COMMA || (s.phase == AFTER_OPEN && canAdd(s.seen, s.count))) {
            Nfa.IntList list = new Nfa.IntList();
            for (int t = 0; t < tags(); t++) {
                if (!seen(s.seen, t)) {
                    list.add(keyRule[t]);
                    list.add(stateOf(new State(AFTER_KEY, t, 0, s.seen, s.count)));
                }
            }
            out = list.toArray();
        } else {
            out = new int[0];
        }
        synchronized (this) {
            callCache.set(id, out);
        }
        return out;
    }

    @Override
    boolean accepting(int id) {
        return state(id).phase == END;
    }

    @Override
    boolean relaxMinLength(Machine[] all) {
        this.machines = all;
        int before = minCache.get(0);
        int now = compute(state(0));
        minCache.set(0, now);
        return now != before;
    }

    /** Freezes the lengths once the grammar's fixed point is reached (they are cached from then on). */
    void freeze() {
        synchronized (this) {
            for (int i = 0; i < minCache.size(); i++) {
                minCache.set(i, -1);
            }
        }
        frozen = true;
    }

    @Override
    int minLength(int id) {
        if (machines == null) {
            return UNREACHABLE;
        }
        if (frozen) {
            synchronized (this) {
                int known = minCache.get(id);
                if (known >= 0) {
                    return known;
                }
            }
            int v = compute(state(id));
            synchronized (this) {
                minCache.set(id, v);
            }
            return v;
        }
        return compute(state(id));
    }

    private int valueMin(int tag) {
        return machines[valueRule[tag]].minLength(0);
    }

    private int memberMin(int tag) {
        long v = (long) machines[keyRule[tag]].minLength(0) + 1 + valueMin(tag);
        return (int) Math.min(v, UNREACHABLE);
    }

    /**
     * Fewest bytes of further members needed before the closing brace: the missing required properties and enough
     * members for minProperties, each with its comma ({@code count == 0}: the first has none).
     */
    private long needed(long[] seen, int count) {
        long cost = 0;
        int members = 0;
        for (int t = 0; t < literals; t++) {
            if ((required[t >>> 6] & (1L << t)) != 0 && !seen(seen, t)) {
                cost += 1 + memberMin(t);
                members++;
            }
        }
        int extra = Math.max(0, minProperties - count - members);
        if (extra > 0) {
            List<Integer> optional = new ArrayList<>();
            for (int t = 0; t < literals; t++) {
                if ((required[t >>> 6] & (1L << t)) == 0 && !seen(seen, t)) {
                    optional.add(memberMin(t));
                }
            }
            int unlimited = UNREACHABLE;
            for (int t = literals; t < tags(); t++) {
                unlimited = Math.min(unlimited, memberMin(t));
            }
            optional.sort(null);
            for (int i = 0; i < extra; i++) {
                int c = Math.min(i < optional.size() ? optional.get(i) : UNREACHABLE, unlimited);
                cost += 1 + (long) c;
            }
            members += extra;
        }
        if (maxProperties >= 0 && count + members > maxProperties) {
            return UNREACHABLE;
        }
        if (count == 0 && members > 0) {
            cost--;
        }
        return cost;
    }

    private int compute(State s) {
        long v = switch (s.phase) {
            case END -> 0;
            case OPEN -> 2 + needed(s.seen, 0);
            case AFTER_OPEN, AFTER_VALUE -> 1 + needed(s.seen, s.count);
            case AFTER_COMMA -> {
                long best = UNREACHABLE;
                for (int t = 0; t < tags(); t++) {
                    if (!seen(s.seen, t)) {
                        best = Math.min(best, (long) memberMin(t) + 1 + needed(with(s.seen, t), countAfter(s.count)));
                    }
                }
                yield best;
            }
            case AFTER_KEY -> 2 + (long) valueMin(s.x) + needed(with(s.seen, s.x), countAfter(s.count));
            case AFTER_COLON -> 1 + (long) valueMin(s.x) + needed(with(s.seen, s.x), countAfter(s.count));
            default -> UNREACHABLE;
        };
        return (int) Math.min(v, UNREACHABLE);
    }

}
