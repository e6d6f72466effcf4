package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compiled grammar: one {@link Machine} per rule and the root rule. Immutable and thread-safe; compile once and
 * share it between sequences. Make one with {@link #gbnf}, {@link #jsonSchema} or {@link #anyJsonObject}; match it
 * against a vocabulary with {@link GrammarMatcher}.
 *
 * <p>The grammar also owns the interned {@link MatchState}s and their byte transitions, built lazily as matchers
 * walk them and shared by every matcher of the grammar.
 */
public final class Grammar {

    /** Interned states kept at most; past it the table starts afresh (states in use stay valid). */
    private static final int MAX_INTERNED = 200_000;

    private final Machine[] machines;
    private final int root;
    private final String description;
    private final ConcurrentHashMap<MatchState, MatchState> interned = new ConcurrentHashMap<>();
    private final MatchState initial;
    final MatchState dead;
    private volatile TokenGrammar lastBinding;

    Grammar(Machine[] machines, int root, String description) {
        this.machines = machines;
        this.root = root;
        this.description = description;
        this.dead = intern(new MatchState(new Frame[0], false));
        this.initial = expandAll(List.of(new Frame(machines[root], 0, null)));
    }

    /** Compiles a GBNF grammar (llama.cpp's format); the rule {@code root} is the start. */
    public static Grammar gbnf(String text) {
        return GbnfParser.parse(text);
    }

    /** Compiles a JSON Schema (text) into a grammar of the JSON texts it accepts. */
    public static Grammar jsonSchema(String schema) {
        return JsonSchemaCompiler.compile(schema);
    }

    /** Compiles a JSON Schema (a parsed tree). */
    public static Grammar jsonSchema(com.fasterxml.jackson.databind.JsonNode schema) {
        return JsonSchemaCompiler.compile(schema);
    }

    /** Any JSON object, as OpenAI's {@code response_format: {"type": "json_object"}}. */
    public static Grammar anyJsonObject() {
        return JsonSchemaCompiler.anyObject();
    }

    /** Where the grammar came from (e.g. "GBNF", "JSON Schema"), for messages. */
    public String description() {
        return description;
    }

    /** Number of rules. */
    public int ruleCount() {
        return machines.length;
    }

    Machine[] machines() {
        return machines;
    }

    /** The state before any text. */
    public MatchState initial() {
        return initial;
    }

    /** The state after byte {@code b}; {@link MatchState#isDead()} when the byte is not allowed. */
    public MatchState next(MatchState state, int b) {
        MatchState known = state.cached(b);
        if (known != null) {
            return known;
        }
        if (state.frames.length == 1) {
            // one stack moving inside its rule to a plain scanning state: no expansion needed
            Frame f = state.frames[0];
            int t = f.machine.next(f.state, b);
            if (t < 0) {
                state.cache(b, dead);
                return dead;
            }
            Machine m = f.machine;
            if (m.scans(t) && m.calls(t).length == 0 && !m.accepting(t) && m.minLength(t) < Machine.UNREACHABLE) {
                MatchState successor = intern(new MatchState(new Frame[] {new Frame(m, t, f.parent)}, false));
                state.cache(b, successor);
                return successor;
            }
        }
        List<Frame> moved = new ArrayList<>(state.frames.length);
        for (Frame f : state.frames) {
            int t = f.machine.next(f.state, b);
            if (t >= 0 && f.machine.minLength(t) < Machine.UNREACHABLE) {
                moved.add(new Frame(f.machine, t, f.parent));
            }
        }
        MatchState successor = moved.isEmpty() ? dead : expandAll(moved);
        state.cache(b, successor);
        return successor;
    }

    /** The state after all of {@code bytes}, or the dead state. */
    public MatchState next(MatchState state, byte[] bytes) {
        MatchState s = state;
        for (byte b : bytes) {
            s = next(s, b & 0xff);
            if (s == dead || s.isDead()) {
                return dead;
            }
        }
        return s;
    }

    /** True when the whole of {@code text} is a complete sentence of the grammar. */
    public boolean matches(String text) {
        MatchState s = next(initial, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return s.canEnd();
    }

    /** Fewest bytes that complete the text from {@code state}; 0 when it may end now. */
    public int distanceToEnd(MatchState state) {
        if (state.canEnd) {
            return 0;
        }
        int known = state.distance;
        if (known >= 0) {
            return known;
        }
        int best = Machine.UNREACHABLE;
        for (Frame top : state.frames) {
            long total = 0;
            for (Frame f = top; f != null; f = f.parent) {
                total += f.machine.minLength(f.state);
            }
            best = (int) Math.min(best, total);
        }
        state.distance = best;
        return best;
    }

    /** The state of a stack whose top has just been left: its parent frames, expanded. */
    MatchState resume(Frame parent) {
        return expandAll(List.of(parent));
    }

    /** A state of exactly these frames, not expanded (the local walks of {@link TokenGrammar}). */
    MatchState raw(Frame... frames) {
        return intern(new MatchState(frames, false));
    }

    private MatchState expandAll(List<Frame> frames) {
        Set<Frame> visited = new HashSet<>();
        List<Frame> out = new ArrayList<>();
        boolean[] end = new boolean[1];
        for (Frame f : frames) {
            expand(f, visited, out, end);
        }
        if (out.isEmpty() && !end[0]) {
            return dead;
        }
        return intern(new MatchState(out.toArray(Frame[]::new), end[0]));
    }

    private void expand(Frame f, Set<Frame> visited, List<Frame> out, boolean[] end) {
        if (!visited.add(f)) {
            return;
        }
        Machine m = f.machine;
        int s = f.state;
        if (m.scans(s)) {
            out.add(f);
        }
        int[] calls = m.calls(s);
        for (int k = 0; k < calls.length; k += 2) {
            Machine callee = machines[calls[k]];
            int ret = calls[k + 1];
            if (callee.minLength(0) < Machine.UNREACHABLE && m.minLength(ret) < Machine.UNREACHABLE) {
                expand(new Frame(callee, 0, new Frame(m, ret, f.parent)), visited, out, end);
            }
        }
        if (m.accepting(s)) {
            if (f.parent == null) {
                end[0] = true;
            } else {
                expand(f.parent, visited, out, end);
            }
        }
    }

    private MatchState intern(MatchState s) {
        if (interned.size() > MAX_INTERNED) {
            interned.clear();
        }
        MatchState known = interned.putIfAbsent(s, s);
        return known == null ? s : known;
    }

    /** The grammar bound to a vocabulary (cached for the last vocabulary used). */
    public TokenGrammar bind(TokenTrie vocabulary) {
        TokenGrammar last = lastBinding;
        if (last != null && last.trie() == vocabulary) {
            return last;
        }
        TokenGrammar bound = new TokenGrammar(this, vocabulary);
        lastBinding = bound;
        return bound;
    }

    @Override
    public String toString() {
        return "Grammar[" + description + ", " + machines.length + " rules, root " + machines[root].name() + "]";
    }
}
