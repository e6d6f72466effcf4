package dev.kiln.core.grammar;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link Grammar} bound to a vocabulary ({@link TokenTrie}): computes which tokens a state allows, as a bit mask
 * over token ids, by walking the trie through the grammar's cached byte transitions, and keeps the masks of recent
 * states (a JSON string's content, an array's next element... recur many times in one output). Thread-safe; shared
 * by the matchers of every sequence that uses the grammar with this vocabulary.
 */
public final class TokenGrammar {

    /** Memory for cached masks, in bytes. */
    private static final long MASK_CACHE_BYTES = 48L << 20;

    private final Grammar grammar;
    private final TokenTrie trie;
    private final int words;
    private final Map<MatchState, long[]> masks;

    TokenGrammar(Grammar grammar, TokenTrie trie) {
        this.grammar = grammar;
        this.trie = trie;
        this.words = (trie.vocabularySize() + 63) >>> 6;
        int capacity = (int) Math.max(16, MASK_CACHE_BYTES / (8L * words));
        this.masks = new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<MatchState, long[]> eldest) {
                return size() > capacity;
            }
        };
    }

    public Grammar grammar() {
        return grammar;
    }

    public TokenTrie trie() {
        return trie;
    }

    /** Longs in a mask: {@code ceil(vocabularySize / 64)}. */
    public int maskWords() {
        return words;
    }

    /** A new matcher at the start of the grammar. */
    public GrammarMatcher matcher() {
        return new GrammarMatcher(this);
    }

    /**
     * The tokens allowed in {@code state}: bit {@code t} of {@code mask[t >>> 6]}. The end-of-generation tokens are
     * allowed exactly where the grammar may end. The returned array is shared: read it, never write it.
     */
    long[] mask(MatchState state) {
        synchronized (masks) {
            long[] known = masks.get(state);
            if (known != null) {
                return known;
            }
        }
        long[] mask = compute(state);
        synchronized (masks) {
            masks.put(state, mask);
        }
        return mask;
    }

    /**
     * The tokens a rule position allows by itself: {@code accepted} (their bytes stay inside the rule, or end it
     * exactly at their last byte) and {@code exits}, trie nodes where the rule may end with more of the token to
     * come (those tokens depend on the caller, and are checked against it each time).
     */
    private record LocalMask(long[] accepted, int[] exits) {
    }

    private final java.util.concurrent.ConcurrentHashMap<Object, LocalMask> localMasks =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Local masks kept per vocabulary (shared) or per grammar, at most. */
    private int localCapacity() {
        return (int) Math.max(64, MASK_CACHE_BYTES / (8L * words));
    }

    private LocalMask local(Frame top) {
        Machine m = top.machine;
        Object key = m.maskKey(top.state, trie.maxDepth);
        boolean shared = !(key instanceof Machine.MaskKey k && k.machine() == m);
        java.util.Map<Object, Object> sharedMap = trie.sharedMasks;
        LocalMask known = shared ? (LocalMask) sharedMap.get(key) : localMasks.get(key);
        if (known != null) {
            return known;
        }
        LocalMask made = walkLocal(m, top.state);
        if (shared) {
            if (sharedMap.size() > localCapacity()) {
                sharedMap.clear();
            }
            sharedMap.put(key, made);
        } else {
            if (localMasks.size() > localCapacity()) {
                localMasks.clear();
            }
            localMasks.put(key, made);
        }
        return made;
    }

    /** Walks the trie from one rule position with nothing below it but the exit sentinel. */
    private LocalMask walkLocal(Machine m, int state) {
        long[] mask = new long[words];
        Nfa.IntList exits = new Nfa.IntList();
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] skip = trie.skip;
        int[] first = trie.firstToken;
        int[] tokens = trie.tokens;
        MatchState dead = grammar.dead;
        MatchState[] path = new MatchState[trie.maxDepth + 1];
        path[0] = grammar.raw(new Frame(m, state, ExitMachine.FRAME));
        int n = label.length;
        int i = 0;
        while (i < n) {
            MatchState from = path[depth[i]];
            int b = label[i] & 0xff;
            MatchState to = from.cached(b);
            if (to == null) {
                to = grammar.next(from, b);
            }
            if (to == dead) {
                i = skip[i];
                continue;
            }
            path[depth[i] + 1] = to;
            for (int k = first[i], end = first[i + 1]; k < end; k++) {
                int t = tokens[k];
                mask[t >>> 6] |= 1L << t;
            }
            for (Frame f : to.frames) {
                if (f == ExitMachine.FRAME) {
                    if (skip[i] > i + 1) {
                        exits.add(i);
                    }
                    break;
                }
            }
            i++;
        }
        return new LocalMask(mask, exits.toArray());
    }

    private long[] compute(MatchState state) {
        long[] mask = new long[words];
        if (state.canEnd) {
            for (int e : trie.endOfGeneration()) {
                mask[e >>> 6] |= 1L << e;
            }
        }
        MatchState[] path = null;
        for (Frame top : state.frames) {
            LocalMask lm = local(top);
            long[] a = lm.accepted;
            for (int w = 0; w < words; w++) {
                mask[w] |= a[w];
            }
            if (lm.exits.length > 0 && top.parent != null) {
                MatchState caller = grammar.resume(top.parent);
                if (path == null) {
                    path = new MatchState[trie.maxDepth + 1];
                }
                for (int node : lm.exits) {
                    walkBelow(node, caller, mask, path);
                }
            }
        }
        return mask;
    }

    /** Adds the tokens below trie node {@code node} that {@code from} accepts for the bytes after the node. */
    private void walkBelow(int node, MatchState from, long[] mask, MatchState[] path) {
        if (from.isDead()) {
            return;
        }
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] skip = trie.skip;
        int[] first = trie.firstToken;
        int[] tokens = trie.tokens;
        MatchState dead = grammar.dead;
        path[depth[node] + 1] = from;
        int end = skip[node];
        int i = node + 1;
        while (i < end) {
            MatchState prev = path[depth[i]];
            int b = label[i] & 0xff;
            MatchState to = prev.cached(b);
            if (to == null) {
                to = grammar.next(prev, b);
            }
            if (to == dead) {
                i = skip[i];
                continue;
            }
            path[depth[i] + 1] = to;
            for (int k = first[i], stop = first[i + 1]; k < stop; k++) {
                int t = tokens[k];
                mask[t >>> 6] |= 1L << t;
            }
            i++;
        }
    }

    /**
     * The allowed tokens after which the text can still be completed within {@code limit} bytes (each later token
     * adds at least one byte): with a token budget, the ones that keep the end reachable. Not cached (the limit
     * changes every token); used only near the end of a budget.
     */
    long[] maskWithin(MatchState state, int limit) {
        long[] mask = new long[words];
        if (state.canEnd) {
            for (int e : trie.endOfGeneration()) {
                mask[e >>> 6] |= 1L << e;
            }
        }
        if (state.frames.length == 0) {
            return mask;
        }
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] skip = trie.skip;
        int[] first = trie.firstToken;
        int[] tokens = trie.tokens;
        MatchState dead = grammar.dead;
        MatchState[] path = new MatchState[trie.maxDepth + 1];
        path[0] = state;
        int n = label.length;
        int i = 0;
        while (i < n) {
            MatchState to = grammar.next(path[depth[i]], label[i] & 0xff);
            if (to == dead) {
                i = skip[i];
                continue;
            }
            path[depth[i] + 1] = to;
            if (first[i] < first[i + 1] && grammar.distanceToEnd(to) <= limit) {
                for (int k = first[i], end = first[i + 1]; k < end; k++) {
                    int t = tokens[k];
                    mask[t >>> 6] |= 1L << t;
                }
            }
            i++;
        }
        return mask;
    }

    /**
     * The tokens that follow a shortest way to the end from {@code state}: every byte brings the text one byte
     * closer to a complete sentence. Used when the token budget is about to run out, so that the output still
     * parses; empty when no token does (then the caller keeps the full mask).
     */
    long[] closingMask(MatchState state) {
        long[] mask = new long[words];
        if (state.canEnd) {
            for (int e : trie.endOfGeneration()) {
                mask[e >>> 6] |= 1L << e;
            }
            return mask;
        }
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] skip = trie.skip;
        int[] first = trie.firstToken;
        int[] tokens = trie.tokens;
        MatchState[] path = new MatchState[trie.maxDepth + 1];
        int[] distance = new int[trie.maxDepth + 1];
        path[0] = state;
        distance[0] = grammar.distanceToEnd(state);
        int n = label.length;
        int i = 0;
        while (i < n) {
            int d = depth[i];
            MatchState to = grammar.next(path[d], label[i] & 0xff);
            int left = to.isDead() ? Machine.UNREACHABLE : grammar.distanceToEnd(to);
            if (left != distance[d] - 1) {
                i = skip[i];
                continue;
            }
            path[d + 1] = to;
            distance[d + 1] = left;
            for (int k = first[i], end = first[i + 1]; k < end; k++) {
                int t = tokens[k];
                mask[t >>> 6] |= 1L << t;
            }
            i++;
        }
        return mask;
    }
}
