package dev.kiln.core.grammar;

/**
 * A JSON string of any characters with {@code min..max} of them ({@code minLength}/{@code maxLength} alone),
 * without one state object per count: state 0 is before the opening quote, state {@code 1 + n} is after n
 * characters, and the last state is after the closing quote. Printable ASCII moves on its byte; other characters
 * go through {@code characterRule} (their UTF-8 bytes or escapes). A maxLength of 65,535 costs nothing to build.
 */
final class CountedStringMachine extends Machine {

    private static final int[] NONE = new int[0];

    private final int min;
    private final int max;             // -1: unbounded (then counts past min are folded into one state)
    private final int characterRule;
    private final int end;
    private Machine[] machines;

    CountedStringMachine(int id, String name, int min, int max, int characterRule) {
        super(id, name);
        this.min = min;
        this.max = max;
        this.characterRule = characterRule;
        this.end = (max >= 0 ? max : min) + 2;
    }

    private int count(int state) {
        return state - 1;
    }

    private boolean canGrow(int count) {
        return max < 0 || count < max;
    }

    private int after(int count) {
        return max < 0 ? 1 + Math.min(count + 1, min) : 2 + count;
    }

    @Override
    int next(int state, int b) {
        if (state == 0) {
            return b == '"' ? 1 : -1;
        }
        if (state == end) {
            return -1;
        }
        int n = count(state);
        if (b == '"') {
            return n >= min ? end : -1;
        }
        if (b >= 0x20 && b <= 0x7E && b != '\\' && canGrow(n)) {
            return after(n);
        }
        return -1;
    }

    @Override
    boolean scans(int state) {
        return state != end;
    }

    @Override
    int[] calls(int state) {
        if (state == 0 || state == end || !canGrow(count(state))) {
            return NONE;
        }
        return new int[] {characterRule, after(count(state))};
    }

    @Override
    boolean accepting(int state) {
        return state == end;
    }

    @Override
    int minLength(int state) {
        if (state == end) {
            return 0;
        }
        if (state == 0) {
            return 2 + min;
        }
        return 1 + Math.max(0, min - count(state));
    }

    @Override
    int stateCount() {
        return end + 1;
    }
}
