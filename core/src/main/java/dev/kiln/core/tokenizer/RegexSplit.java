package dev.kiln.core.tokenizer;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pre-tokenizer regex run the way llama.cpp's {@code unicode_regex_split} runs the regexes it has no hand-written
 * version of, so that the pieces match it exactly, including where that differs from a Unicode-aware engine:
 * <ul>
 * <li>a regex using {@code \p{L}}, {@code \p{N}}, {@code \p{P}}, {@code \p{M}}, {@code \p{S}} (or {@code \p{Lu}} etc.,
 * which count as {@code \p{L}}) runs on a "collapsed" text in which every non-ASCII code point is replaced by one marker
 * character for its category (whitespace by U+000B), and each {@code \p{X}} by a class holding its marker and its ASCII
 * members;</li>
 * <li>any other regex runs on the code points, with non-ASCII whitespace replaced by U+000B (so {@code \s} is ASCII
 * whitespace, as in C++'s {@code std::regex}).</li>
 * </ul>
 * Text between matches becomes a piece of its own; each piece of the previous split is matched separately.
 */
final class RegexSplit implements SplitStage {
    private static final char NUMBER = '\u00D1';
    private static final char LETTER = '\u00D2';
    private static final char PUNCTUATION = '\u00D3';
    private static final char ACCENT_MARK = '\u00D4';
    private static final char SYMBOL = '\u00D5';
    private static final char OTHER = '\u00D0';

    /** {@code \p{X}} -> marker + ASCII members (llama.cpp's {@code k_ucat_cpt} and {@code k_ucat_map}). */
    private static final Map<String, String> CATEGORY_CLASSES = Map.of(
            "\\p{N}", NUMBER + "0-9",
            "\\p{L}", LETTER + "A-Za-z",
            "\\p{P}", PUNCTUATION + "!-#%-*,-/:-;?-@\\[-\\]_\\{\\}",
            "\\p{M}", String.valueOf(ACCENT_MARK),
            "\\p{S}", SYMBOL + "\\$\\+<->\\^`\\|",
            "\\p{Lu}", LETTER + "A-Za-z",
            "\\p{Ll}", LETTER + "A-Za-z",
            "\\p{Lt}", LETTER + "A-Za-z",
            "\\p{Lm}", LETTER + "A-Za-z",
            "\\p{Lo}", LETTER + "A-Za-z");

    private final String source;
    private final Pattern pattern;
    private final boolean collapsed;

    RegexSplit(String llamaCppRegex) {
        this.source = llamaCppRegex;
        this.collapsed = CATEGORY_CLASSES.keySet().stream().anyMatch(llamaCppRegex::contains);
        String javaRegex = collapsed ? collapse(llamaCppRegex) : llamaCppRegex;
        // ECMAScript '$' (no multiline) matches only at the end of the input.
        if (javaRegex.endsWith("$") && !javaRegex.endsWith("\\$")) {
            javaRegex = javaRegex.substring(0, javaRegex.length() - 1) + "\\z";
        }
        this.pattern = Pattern.compile(javaRegex);
    }

    /** llama.cpp's rewrite of a regex for the collapsed text. */
    static String collapse(String regex) {
        for (int i = 0; i < regex.length(); i++) {
            if (regex.charAt(i) >= 128) {
                throw new TokenizerException("pre-tokenizer regex mixes Unicode categories and non-ASCII characters: " + regex);
            }
        }
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '[' && (i == 0 || regex.charAt(i - 1) != '\\')) {
                out.append('[');
                inside = true;
                continue;
            }
            if (inside && c == ']' && regex.charAt(i - 1) != '\\') {
                out.append(']');
                inside = false;
                continue;
            }
            if (c == '\\' && i + 3 < regex.length() && regex.charAt(i + 1) == 'p' && regex.charAt(i + 2) == '{') {
                int close = regex.indexOf('}', i + 3);
                if (close >= 0 && close <= i + 10) {
                    String members = CATEGORY_CLASSES.get(regex.substring(i, close + 1));
                    if (members != null) {
                        out.append(inside ? "" : "[").append(members).append(inside ? "" : "]");
                        i = close;
                        continue;
                    }
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public IntList apply(int[] cps, IntList lengths) {
        // The text the regex runs on, and for the code-point form the char index of each code point.
        CharSequence text;
        int[] charStart = null;
        if (collapsed) {
            char[] chars = new char[cps.length];
            for (int i = 0; i < cps.length; i++) {
                chars[i] = collapsedChar(cps[i]);
            }
            text = new String(chars);
        } else {
            StringBuilder sb = new StringBuilder(cps.length + 8);
            charStart = new int[cps.length + 1];
            for (int i = 0; i < cps.length; i++) {
                charStart[i] = sb.length();
                int cp = cps[i];
                sb.appendCodePoint(cp > 0x7F && CodepointFlags.isWhitespace(cp) ? 0x0B : cp);
            }
            charStart[cps.length] = sb.length();
            text = sb;
        }
        IntList out = new IntList();
        Matcher m = pattern.matcher(text);
        int start = 0;
        for (int k = 0; k < lengths.size(); k++) {
            int end = start + lengths.get(k);
            int regionStart = charStart == null ? start : charStart[start];
            int regionEnd = charStart == null ? end : charStart[end];
            m.region(regionStart, regionEnd);
            int previous = start; // code points
            while (m.find()) {
                int ms = toCodePoint(charStart, m.start(), start, end);
                int me = toCodePoint(charStart, m.end(), start, end);
                if (me == ms) {
                    continue;
                }
                if (ms > previous) {
                    out.add(ms - previous);
                }
                out.add(me - ms);
                previous = me;
            }
            if (previous < end) {
                out.add(end - previous);
            }
            start = end;
        }
        return out;
    }

    private static int toCodePoint(int[] charStart, int charIndex, int from, int to) {
        if (charStart == null) {
            return charIndex;
        }
        int i = java.util.Arrays.binarySearch(charStart, from, to + 1, charIndex);
        if (i < 0) {
            throw new IllegalStateException("regex match inside a surrogate pair at char " + charIndex);
        }
        return i;
    }

    private static char collapsedChar(int cp) {
        if (cp < 128) {
            return (char) cp;
        }
        if (CodepointFlags.isWhitespace(cp)) {
            return '\u000B';
        }
        return switch (CodepointFlags.category(cp)) {
            case CodepointFlags.NUMBER -> NUMBER;
            case CodepointFlags.LETTER -> LETTER;
            case CodepointFlags.PUNCTUATION -> PUNCTUATION;
            case CodepointFlags.ACCENT_MARK -> ACCENT_MARK;
            case CodepointFlags.SYMBOL -> SYMBOL;
            default -> OTHER;
        };
    }

    @Override
    public String toString() {
        return source;
    }
}
