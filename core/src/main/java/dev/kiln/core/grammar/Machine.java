package dev.kiln.core.grammar;

/**
 * One rule of a compiled grammar as a deterministic automaton over bytes whose states may also call other rules
 * (a recursive transition network, as in llama.cpp's grammar stacks but determinized per rule). State 0 is the start.
 * The matcher keeps a stack of (machine, state) frames: a call pushes the callee at its start with the caller's
 * return state below it; an accepting state may pop.
 */
public abstract class Machine {

    /** A state or length that cannot be reached. */
    public static final int UNREACHABLE = Integer.MAX_VALUE / 4;

    final int id;
    final String name;

    Machine(int id, String name) {
        this.id = id;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The state after byte {@code b} from {@code state}, or -1. */
    abstract int next(int state, int b);

    /** True when some byte leads somewhere from {@code state}. */
    abstract boolean scans(int state);

    /** Calls from {@code state} as pairs {@code callee, returnState}; empty when none. */
    abstract int[] calls(int state);

    abstract boolean accepting(int state);

    /** Fewest bytes from {@code state} to an accepting state, callees included; {@link #UNREACHABLE} if none. */
    abstract int minLength(int state);

    /** Lowers {@link #minLength} values given the other machines' current ones; true when one changed. */
    boolean relaxMinLength(Machine[] machines) {
        return false;
    }

    /**
     * A key for the token mask of {@code state} taken alone (see {@link TokenGrammar}): equal keys allow the same
     * tokens. {@code maxTokenBytes} is the longest token: states that differ only beyond what one token can reach
     * may share a key. By default, this machine and the state.
     */
    Object maskKey(int state, int maxTokenBytes) {
        return new MaskKey(this, state);
    }

    /** The default mask key. */
    record MaskKey(Object machine, int state) {
    }

    /** Number of states known now (lazy machines grow). */
    abstract int stateCount();

    @Override
    public String toString() {
        return name;
    }
}
