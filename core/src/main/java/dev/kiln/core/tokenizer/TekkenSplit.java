package dev.kiln.core.tokenizer;

/**
 * The tekken (Mistral) pre-tokenizer as llama.cpp runs its rewrite of the regex through {@code std::regex} on collapsed
 * text, written out by hand (the regex engine is several times slower):
 * {@code [^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*
 * |\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+}.
 * "Upper" means a letter other than a-z and "lower" a letter other than A-Z, so a non-ASCII letter is both (that is
 * what llama.cpp's collapsed text makes of it). The backtracking of the first two alternatives is resolved in
 * {@link #wordEnd}; PreTokenizerTest checks this class against {@link RegexSplit} on the regex itself.
 */
final class TekkenSplit implements SplitStage {
    @Override
    public IntList apply(int[] cps, IntList lengths) {
        IntList out = new IntList();
        int start = 0;
        for (int k = 0; k < lengths.size(); k++) {
            int end = start + lengths.get(k);
            int pos = start;
            while (pos < end) {
                int next = matchEnd(cps, pos, end);
                out.add(next - pos);
                pos = next;
            }
            start = end;
        }
        return out;
    }

    /** The end of the match starting at {@code pos} (every code point starts some alternative). */
    private static int matchEnd(int[] cps, int pos, int end) {
        int cpt = cps[pos];
        // Alternatives 1 and 2: an optional non-letter, non-digit, non-line-break prefix, then a cased word.
        int q = isPrefix(cpt) ? pos + 1 : pos;
        int word = wordEnd(cps, q, end);
        if (word > q) {
            return word;
        }
        // \p{N}
        if (CodepointFlags.isNumber(cpt)) {
            return pos + 1;
        }
        // ' ?[^\s\p{L}\p{N}]+[\r\n/]*'
        int at = cpt == ' ' && pos + 1 < end ? pos + 1 : pos;
        if (isOther(cps[at])) {
            int p = at;
            while (p < end && isOther(cps[p])) {
                p++;
            }
            while (p < end && (cps[p] == '\r' || cps[p] == '\n' || cps[p] == '/')) {
                p++;
            }
            return p;
        }
        // Whitespace: \s*[\r\n]+ | \s+(?!\S) | \s+
        int w = pos;
        int lastLineBreakEnd = -1;
        while (w < end && CodepointFlags.isWhitespace(cps[w])) {
            if (cps[w] == '\r' || cps[w] == '\n') {
                lastLineBreakEnd = w + 1;
            }
            w++;
        }
        if (w > pos) {
            if (lastLineBreakEnd > 0) {
                return lastLineBreakEnd;
            }
            if (w < end && w - pos > 1) {
                return w - 1;
            }
            return w;
        }
        return pos + 1; // unreachable: every code point is a letter, digit, whitespace or other
    }

    /**
     * The end of {@code upper* lower+} (alternative 1) or else {@code upper+ lower*} (alternative 2) starting at {@code q},
     * or {@code q} when neither matches.
     */
    static int wordEnd(int[] cps, int q, int end) {
        int k = q;
        while (k < end && isUpper(cps[k])) {
            k++;
        }
        int e = k;
        while (e < end && isLower(cps[e])) {
            e++;
        }
        if (e > k) {
            return e; // upper* lower+ with the greedy split
        }
        // Backtracking upper*: lower+ can start at the last "upper" letter that is also "lower" (a non-ASCII letter);
        // the letters after it are A-Z, so lower+ is that one letter.
        for (int j = k - 1; j >= q; j--) {
            if (isLower(cps[j])) {
                return j + 1;
            }
        }
        if (k > q) {
            return k; // upper+ lower* (lower* is empty here)
        }
        return q;
    }

    private static boolean isPrefix(int cp) {
        return cp != '\r' && cp != '\n' && !CodepointFlags.isLetter(cp) && !CodepointFlags.isNumber(cp);
    }

    private static boolean isUpper(int cp) {
        return CodepointFlags.isLetter(cp) && !(cp >= 'a' && cp <= 'z');
    }

    private static boolean isLower(int cp) {
        return CodepointFlags.isLetter(cp) && !(cp >= 'A' && cp <= 'Z');
    }

    private static boolean isOther(int cp) {
        return !CodepointFlags.isWhitespace(cp) && !CodepointFlags.isLetter(cp) && !CodepointFlags.isNumber(cp);
    }
}
