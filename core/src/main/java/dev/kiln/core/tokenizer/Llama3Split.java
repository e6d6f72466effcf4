package dev.kiln.core.tokenizer;

/**
 * The Llama-3 pre-tokenizer regex
 * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
 * as llama.cpp's hand-written {@code unicode_regex_split_custom_llama3} evaluates it. With runs of one digit
 * ({@code \p{N}} instead of {@code \p{N}{1,3}}) it is Qwen2's regex; llama.cpp runs that one through {@code std::regex}
 * ({@link RegexSplit}), and PreTokenizerTest checks that both give the same pieces.
 */
final class Llama3Split implements SplitStage {
    private final int maxDigits;

    /** @param maxDigits the longest run of digits in one piece: 3 for Llama 3, 1 for Qwen2 */
    Llama3Split(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    @Override
    public IntList apply(int[] cps, IntList lengths) {
        IntList out = new IntList();
        int start = 0;
        for (int k = 0; k < lengths.size(); k++) {
            int ini = start;
            int end = start + lengths.get(k);
            start = end;
            Gpt2Split.Cursor c = new Gpt2Split.Cursor(cps, ini, end, out);
            int pos = ini;
            while (pos < end) {
                int cpt = cps[pos];
                // (?i:'s|'t|'re|'ve|'m|'ll|'d)
                if (cpt == '\'' && pos + 1 < end) {
                    int next = lower(cps[pos + 1]);
                    if (next == 's' || next == 't' || next == 'm' || next == 'd') {
                        pos += c.emit(pos + 2);
                        continue;
                    }
                    if (pos + 2 < end) {
                        int nextNext = lower(cps[pos + 2]);
                        if ((next == 'r' && nextNext == 'e') || (next == 'v' && nextNext == 'e')
                                || (next == 'l' && nextNext == 'l')) {
                            pos += c.emit(pos + 3);
                            continue;
                        }
                    }
                }
                // [^\r\n\p{L}\p{N}]?\p{L}+
                if (!(cpt == '\r' || cpt == '\n' || CodepointFlags.isNumber(cpt))) {
                    if (CodepointFlags.isLetter(cpt) || c.isLetter(pos + 1)) {
                        pos++;
                        while (c.isLetter(pos)) {
                            pos++;
                        }
                        c.emit(pos);
                        continue;
                    }
                }
                // \p{N}{1,maxDigits}
                if (CodepointFlags.isNumber(cpt)) {
                    int first = pos;
                    while (c.isNumber(pos)) {
                        if (++pos - first >= maxDigits) {
                            c.emit(pos);
                            first = pos;
                        }
                    }
                    c.emit(pos);
                    continue;
                }
                // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
                int at = cpt == ' ' ? pos + 1 : pos;
                if (c.isOther(at)) {
                    pos = at;
                    while (c.isOther(pos)) {
                        pos++;
                    }
                    int cpt2 = c.cpt(pos);
                    while (cpt2 == '\r' || cpt2 == '\n') {
                        cpt2 = c.cpt(++pos);
                    }
                    c.emit(pos);
                    continue;
                }
                int spaces = 0;
                int lastLineBreakEnd = 0;
                while (c.isWhitespace(pos + spaces)) {
                    int cpt2 = cps[pos + spaces];
                    if (cpt2 == '\r' || cpt2 == '\n') {
                        lastLineBreakEnd = pos + spaces + 1;
                    }
                    spaces++;
                }
                // \s*[\r\n]+
                if (lastLineBreakEnd > 0) {
                    pos = lastLineBreakEnd;
                    c.emit(pos);
                    continue;
                }
                // \s+(?!\S)
                if (spaces > 1 && pos + spaces < end) {
                    pos += spaces - 1;
                    c.emit(pos);
                    continue;
                }
                // \s+
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

    private static int lower(int cp) {
        return Character.toLowerCase(cp);
    }
}
