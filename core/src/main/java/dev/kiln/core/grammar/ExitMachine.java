package dev.kiln.core.grammar;

/**
 * The sentinel below a rule's frame in a local mask walk ({@link TokenGrammar}): reaching it means the rule has
 * ended and what follows depends on the caller. It reads nothing.
 */
final class ExitMachine extends Machine {

    static final ExitMachine INSTANCE = new ExitMachine();
    static final Frame FRAME = new Frame(INSTANCE, 0, null);
    private static final int[] NONE = new int[0];

    private ExitMachine() {
        super(-1, "(caller)");
    }

    @Override
    int next(int state, int b) {
        return -1;
    }

    @Override
    boolean scans(int state) {
        return true;     // kept among the frames, so that a walk sees that the rule may end here
    }

    @Override
    int[] calls(int state) {
        return NONE;
    }

    @Override
    boolean accepting(int state) {
        return false;
    }

    @Override
    int minLength(int state) {
        return 0;
    }

    @Override
    int stateCount() {
        return 1;
    }
}
