package dev.kiln.core.tokenizer;

/**
 * The GPT-2 pre-tokenizer regex {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)} as
 * llama.cpp's hand-written {@code unicode_regex_split_custom_gpt2} evaluates it (the reference vectors were made with it).
 * Note that it also emits a run of whitespace at the end as one piece, like a trailing {@code \s+}.
 */
final class Gpt2Split implements SplitStage {
    @Override
    public IntList apply(int[] cps, IntList lengths) {
        IntList out = new IntList();
        int start = 0;
        for (int k = 0; k < lengths.size(); k++) {
            int ini = start;
            int end = start + lengths.get(k);
            start = end;
            Cursor c = new Cursor(cps, ini, end, out);
            int pos = ini;
            while (pos < end) {
                int cpt = cps[pos];
                // 's|'t|'re|'ve|'m|'ll|'d
                if (cpt == '\'' && pos + 1 < end) {
                    int next = cps[pos + 1];
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += c.emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int nextNext = cps[pos + 2];
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e')
                                || (next == 'l' && nextNext == 'l')) {
                            pos += c.emit(pos + 3);
                            continue;
                        }
                    }
                }
                int at = cpt == ' ' ? pos + 1 : pos;
                // ' ?\p{L}+'
                if (c.isLetter(at)) {
                    pos = at;
                    while (c.isLetter(pos)) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
                // ' ?\p{N}+'
                if (c.isNumber(at)) {
                    pos = at;
                    while (c.isNumber(pos)) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
                // ' ?[^\s\p{L}\p{N}]+'
                if (c.isOther(at)) {
                    pos = at;
                    while (c.isOther(pos)) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
                int spaces = 0;
                while (c.isWhitespace(pos + spaces)) {
                    spaces++;
                }
                // '\s+(?!\S)'
                if (spaces > 1 && pos + spaces < end) {
                    pos += spaces - 1;
                    c.emit(pos);
                    continue;
                }
                // '\s+'
                if (spaces > 0) {
                    pos += spaces;
                    c.emit(pos);
                    continue;
                }
                c.emit(++pos);
            }
        }
        return out;
    }

    /** Position helpers over one piece {@code [ini, end)}: outside it nothing matches. */
    static final class Cursor {
        private final int[] cps;
        private final int ini;
        private final int end;
        private final IntList out;
        private int previousEnd;

        Cursor(int[] cps, int ini, int end, IntList out) {
            this.cps = cps;
            this.ini = ini;
            this.end = end;
            this.out = out;
            this.previousEnd = ini;
        }

        /** Closes the current word at {@code to}; returns its length. */
        int emit(int to) {
            int length = to - previousEnd;
            if (length > 0) {
                out.add(length);
            }
            previousEnd = to;
            return length;
        }

        boolean inRange(int pos) {
            return pos >= ini && pos < end;
        }

        int cpt(int pos) {
            return inRange(pos) ? cps[pos] : -1;
        }

        boolean isLetter(int pos) {
            return inRange(pos) && CodepointFlags.isLetter(cps[pos]);
        }

        boolean isNumber(int pos) {
            return inRange(pos) && CodepointFlags.isNumber(cps[pos]);
        }

        boolean isWhitespace(int pos) {
            return inRange(pos) && CodepointFlags.isWhitespace(cps[pos]);
        }

        /** {@code [^\s\p{L}\p{N}]} at an in-range position. */
        boolean isOther(int pos) {
            if (!inRange(pos)) {
                return false;
            }
            int cp = cps[pos];
            return !CodepointFlags.isWhitespace(cp) && !CodepointFlags.isLetter(cp) && !CodepointFlags.isNumber(cp);
        }
    }
}
