package dev.kiln.core.grammar;

/**
 * A JSON string of any characters with {@code min..max} of them ({@code minLength}/{@code maxLength} alone),
 * counted arithmetically instead of with one automaton state per count, and reading UTF-8 and escapes itself (no
 * calls), so that a maxLength of 65,535 costs nothing to build and its token masks are shared by every count that
 * no token can tell apart.
 *
 * <p>State 0 is before the opening quote, {@link #END} after the closing quote; otherwise
 * {@code (count + 1) << 4 | sub}, {@code count} characters complete and {@code sub} the position inside the next
 * one: 0 between characters, 1-7 inside a UTF-8 sequence (continuation bytes to come, with the restricted
 * ranges after E0, ED, F0 and F4 that keep the encoding valid), 8 after a backslash, 9-12 inside {@code \\u00XX}
 * (the form used for control characters).
 */
final class CountedStringMachine extends Machine {

    private static final int[] NONE = new int[0];
    private static final int END = Integer.MAX_VALUE;
    // bytes still to come in the current character, per sub-state
    private static final int[] REMAINING = {0, 1, 2, 3, 2, 2, 3, 3, 1, 4, 3, 2, 1};

    private final int min;
    private final int max;             // -1: unbounded (then counts past min are folded into one)

    CountedStringMachine(int id, String name, int min, int max) {
        super(id, name);
        this.min = min;
        this.max = max;
    }

    private static int state(int count, int sub) {
        return (count + 1) << 4 | sub;
    }

    private int completed(int count) {
        return max < 0 ? Math.min(count + 1, min) : count + 1;
    }

    @Override
    int next(int state, int b) {
        if (state == 0) {
            return b == '"' ? state(0, 0) : -1;
        }
        if (state == END) {
            return -1;
        }
        int count = (state >>> 4) - 1;
        int sub = state & 15;
        switch (sub) {
            case 0 -> {
                if (b == '"') {
                    return count >= min ? END : -1;
                }
                if (max >= 0 && count >= max) {
                    return -1;
                }
                if (b >= 0x20 && b < 0x80 && b != '\\') {
                    return state(completed(count), 0);
                }
                if (b == '\\') {
                    return state(count, 8);
                }
                if (b >= 0xC2 && b <= 0xDF) {
                    return state(count, 1);
                }
                if (b == 0xE0) {
                    return state(count, 4);
                }
                if (b == 0xED) {
                    return state(count, 5);
                }
                if (b >= 0xE1 && b <= 0xEF) {
                    return state(count, 2);
                }
                if (b == 0xF0) {
                    return state(count, 6);
                }
                if (b >= 0xF1 && b <= 0xF3) {
                    return state(count, 3);
                }
                if (b == 0xF4) {
                    return state(count, 7);
                }
                return -1;
            }
            case 1 -> {
                return b >= 0x80 && b <= 0xBF ? state(completed(count), 0) : -1;
            }
            case 2 -> {
                return b >= 0x80 && b <= 0xBF ? state(count, 1) : -1;
            }
            case 3 -> {
                return b >= 0x80 && b <= 0xBF ? state(count, 2) : -1;
            }
            case 4 -> {
                return b >= 0xA0 && b <= 0xBF ? state(count, 1) : -1;
            }
            case 5 -> {
                return b >= 0x80 && b <= 0x9F ? state(count, 1) : -1;
            }
            case 6 -> {
                return b >= 0x90 && b <= 0xBF ? state(count, 2) : -1;
            }
            case 7 -> {
                return b >= 0x80 && b <= 0x8F ? state(count, 2) : -1;
            }
            case 8 -> {
                if ("\"\\/bfnrt".indexOf(b) >= 0) {
                    return state(completed(count), 0);
                }
                return b == 'u' ? state(count, 9) : -1;
            }
            case 9, 10 -> {
                return b == '0' ? state(count, sub + 1) : -1;
            }
            case 11 -> {
                return b == '0' || b == '1' ? state(count, 12) : -1;
            }
            case 12 -> {
                return Character.digit(b, 16) >= 0 && b < 0x80 ? state(completed(count), 0) : -1;
            }
            default -> {
                return -1;
            }
        }
    }

    @Override
    boolean scans(int state) {
        return state != END;
    }

    @Override
    int[] calls(int state) {
        return NONE;
    }

    @Override
    boolean accepting(int state) {
        return state == END;
    }

    @Override
    int minLength(int state) {
        if (state == END) {
            return 0;
        }
        if (state == 0) {
            return 2 + min;
        }
        int count = (state >>> 4) - 1;
        int sub = state & 15;
        if (sub == 0) {
            return 1 + Math.max(0, min - count);
        }
        return REMAINING[sub] + 1 + Math.max(0, min - (count + 1));
    }

    /**
     * Counts that no token can tell apart share a key: past the minimum, and with more room left than a token has
     * bytes, every count allows the same tokens. The key holds no rule ids, so grammars share it.
     */
    @Override
    Object maskKey(int state, int maxTokenBytes) {
        if (state == 0 || state == END) {
            // before the opening quote, what one token can do depends on the bounds up to a token's length
            int bound = maxTokenBytes + 1;
            return new Counted(Math.min(min, bound), max < 0 ? -1 : Math.min(max, bound), state == 0 ? -1 : -2);
        }
        int count = (state >>> 4) - 1;
        int needed = Math.max(0, Math.min(min - count, maxTokenBytes + 1));   // characters before the quote may come
        int room = max < 0 ? -1 : Math.min(max - count, maxTokenBytes + 1);    // characters that may still come
        return new Counted(needed, room, state & 15);
    }

    private record Counted(int needed, int room, int sub) {
    }

    @Override
    int stateCount() {
        return Integer.MAX_VALUE;
    }
}
