package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a JSON Schema {@code pattern} (ECMA-262 regular expression syntax, the common subset with Python's
 * {@code re}) into the code-point language of the strings it matches <em>somewhere</em> (a pattern is not anchored
 * unless it says {@code ^} / {@code $}). Where ECMA-262 and Python differ, the stricter reading is taken ({@code \d}
 * is ASCII, {@code .} excludes every line terminator, {@code $} is only the end), so a string accepted here is valid
 * for both. Lookaround, backreferences and word boundaries cannot be expressed as a finite automaton and are refused.
 */
final class RegexParser {

    /** The decimal digits of every script (Unicode Nd), for {@code \D}. */
    private static volatile CodepointSet unicodeDigits;
    /** Letters, marks, numbers and {@code _}, for {@code \W}. */
    private static volatile CodepointSet unicodeWord;

    static final CodepointSet DIGIT = CodepointSet.of('0', '9');
    static final CodepointSet WORD = CodepointSet.chars("_").union(CodepointSet.of('a', 'z'))
            .union(CodepointSet.of('A', 'Z')).union(DIGIT);
    // whitespace both ECMA-262 and Python agree on
    static final CodepointSet SPACE = CodepointSet.chars("\t\n\u000b\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000")
            .union(CodepointSet.of(0x2000, 0x200a));
    // whitespace for either (its complement is \S for both)
    static final CodepointSet ANY_SPACE = SPACE.union(CodepointSet.of(0x1c, 0x1f)).union(CodepointSet.chars("\u0085\ufeff"));
    static final CodepointSet DOT = CodepointSet.chars("\n\r\u2028\u2029").complement();

    private final String src;
    private final String where;
    private int pos;

    private RegexParser(String src, String where) {
        this.src = src;
        this.where = where;
    }

    /**
     * The code-point language of strings containing a match of {@code pattern}.
     *
     * @param where the JSON pointer of the pattern, for messages
     */
    static Expr search(String pattern, String where) {
        RegexParser p = new RegexParser(pattern, where);
        Node tree = p.alternation();
        if (p.pos < pattern.length()) {
            throw p.error("unexpected '" + pattern.charAt(p.pos) + "'");
        }
        // a lone group around everything: look inside
        while (tree instanceof Group g) {
            tree = g.inner;
        }
        List<Node> branches = tree instanceof Alternation a ? a.items : List.of(tree);
        // branches grouped by their anchors, so that ".*(a|b|c).*" stays one search (one alternation per group)
        @SuppressWarnings("unchecked")
        List<Expr>[] groups = new List[4];
        for (Node branch : branches) {
            List<Node> items = new ArrayList<>(branch instanceof Sequence s ? s.items : List.of(branch));
            boolean start = false;
            boolean end = false;
            while (!items.isEmpty() && items.get(0) instanceof Anchor a && a.start) {
                items.remove(0);
                start = true;
            }
            while (!items.isEmpty() && items.get(items.size() - 1) instanceof Anchor a && !a.start) {
                items.remove(items.size() - 1);
                end = true;
            }
            List<Expr> seq = new ArrayList<>();
            for (Node n : items) {
                seq.add(p.toExpr(n));
            }
            int g = (start ? 2 : 0) + (end ? 1 : 0);
            if (groups[g] == null) {
                groups[g] = new ArrayList<>();
            }
            groups[g].add(Expr.seq(seq));
        }
        List<Expr> out = new ArrayList<>();
        Expr any = Expr.star(Expr.chars(CodepointSet.ALL));
        for (int g = 0; g < 4; g++) {
            if (groups[g] == null) {
                continue;
            }
            List<Expr> seq = new ArrayList<>();
            if ((g & 2) == 0) {
                seq.add(any);
            }
            seq.add(Expr.alt(groups[g]));
            if ((g & 1) == 0) {
                seq.add(any);
            }
            out.add(Expr.seq(seq));
        }
        return Expr.alt(out);
    }

    // --- syntax tree

    private sealed interface Node permits Chars, Sequence, Alternation, Group, Repeat, Anchor {
    }

    private record Chars(CodepointSet set) implements Node {
    }

    private record Sequence(List<Node> items) implements Node {
    }

    private record Alternation(List<Node> items) implements Node {
    }

    private record Group(Node inner) implements Node {
    }

    private record Repeat(Node item, int min, int max) implements Node {
    }

    private record Anchor(boolean start) implements Node {
    }

    private Expr toExpr(Node n) {
        return switch (n) {
            case Chars c -> Expr.chars(c.set);
            case Sequence s -> Expr.seq(s.items.stream().map(this::toExpr).toList());
            case Alternation a -> Expr.alt(a.items.stream().map(this::toExpr).toList());
            case Group g -> toExpr(g.inner);
            case Repeat r -> Expr.repeat(toExpr(r.item), r.min, r.max);
            case Anchor a -> throw error("an anchor (" + (a.start ? "^" : "$")
                    + ") that is not at the start or end of the pattern is not supported");
        };
    }

    private Node alternation() {
        List<Node> items = new ArrayList<>();
        items.add(sequence());
        while (pos < src.length() && src.charAt(pos) == '|') {
            pos++;
            items.add(sequence());
        }
        return items.size() == 1 ? items.get(0) : new Alternation(items);
    }

    private Node sequence() {
        List<Node> items = new ArrayList<>();
        while (pos < src.length() && src.charAt(pos) != '|' && src.charAt(pos) != ')') {
            Node atom = atom();
            items.add(quantified(atom));
        }
        return items.size() == 1 ? items.get(0) : new Sequence(items);
    }

    private Node quantified(Node atom) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            int min;
            int max;
            if (c == '*') {
                min = 0;
                max = -1;
                pos++;
            } else if (c == '+') {
                min = 1;
                max = -1;
                pos++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                pos++;
            } else if (c == '{' && braceQuantifier() != null) {
                int[] q = braceQuantifier();
                min = q[0];
                max = q[1];
                pos = q[2];
            } else {
                return atom;
            }
            if (atom instanceof Anchor) {
                throw error("a quantifier after an anchor");
            }
            if (pos < src.length() && (src.charAt(pos) == '?' || src.charAt(pos) == '+')) {
                pos++; // lazy or possessive: the same language
            }
            if (min > 1000 || max > 1000) {
                throw error("repetition count over 1000");
            }
            atom = new Repeat(atom, min, max);
        }
        return atom;
    }

    /** {@code {n}}, {@code {n,}}, {@code {n,m}} at pos: [min, max, end]; null when the brace is a literal. */
    private int[] braceQuantifier() {
        int i = pos + 1;
        int start = i;
        while (i < src.length() && Character.isDigit(src.charAt(i))) {
            i++;
        }
        if (i == start || i - start > 6) {
            return null;
        }
        int min = Integer.parseInt(src.substring(start, i));
        int max = min;
        if (i < src.length() && src.charAt(i) == ',') {
            i++;
            int s2 = i;
            while (i < src.length() && Character.isDigit(src.charAt(i))) {
                i++;
            }
            if (i - s2 > 6) {
                return null;
            }
            max = i == s2 ? -1 : Integer.parseInt(src.substring(s2, i));
        }
        if (i >= src.length() || src.charAt(i) != '}') {
            return null;
        }
        if (max >= 0 && max < min) {
            throw error("repetition {" + min + "," + max + "}: the maximum is below the minimum");
        }
        return new int[] {min, max, i + 1};
    }

    private Node atom() {
        char c = src.charAt(pos);
        switch (c) {
            case '^' -> {
                pos++;
                return new Anchor(true);
            }
            case '$' -> {
                pos++;
                return new Anchor(false);
            }
            case '.' -> {
                pos++;
                return new Chars(DOT);
            }
            case '(' -> {
                pos++;
                if (src.startsWith("?:", pos)) {
                    pos += 2;
                } else if (src.startsWith("?P<", pos) || (src.startsWith("?<", pos) && !src.startsWith("?<=", pos)
                        && !src.startsWith("?<!", pos))) {
                    int close = src.indexOf('>', pos);
                    if (close < 0) {
                        throw error("unterminated group name");
                    }
                    pos = close + 1;
                } else if (pos < src.length() && src.charAt(pos) == '?') {
                    throw error("lookaround and inline flags (?...) are not supported");
                }
                Node inner = alternation();
                if (pos >= src.length() || src.charAt(pos) != ')') {
                    throw error("missing ')'");
                }
                pos++;
                return new Group(inner);
            }
            case '[' -> {
                return new Chars(charClass());
            }
            case '\\' -> {
                return escapeAtom();
            }
            case '*', '+', '?' -> throw error("nothing to repeat before '" + c + "'");
            default -> {
                int cp = src.codePointAt(pos);
                pos += Character.charCount(cp);
                return new Chars(CodepointSet.single(cp));
            }
        }
    }

    private Node escapeAtom() {
        if (pos + 1 >= src.length()) {
            throw error("pattern ends with a backslash");
        }
        char e = src.charAt(pos + 1);
        if (e == 'b' || e == 'B') {
            throw error("word boundaries (\\" + e + ") are not supported");
        }
        if (e >= '1' && e <= '9') {
            throw error("backreferences are not supported");
        }
        return new Chars(escape(false));
    }

    /** The set of one escape at pos (backslash included). */
    private CodepointSet escape(boolean inClass) {
        char e = src.charAt(pos + 1);
        pos += 2;
        return switch (e) {
            case 'd' -> DIGIT;
            case 'D' -> unicodeDigits().complement();
            case 'w' -> WORD;
            case 'W' -> unicodeWord().complement();
            case 's' -> SPACE;
            case 'S' -> ANY_SPACE.complement();
            case 'n' -> CodepointSet.single('\n');
            case 'r' -> CodepointSet.single('\r');
            case 't' -> CodepointSet.single('\t');
            case 'f' -> CodepointSet.single('\f');
            case 'v' -> CodepointSet.single(0x0b);
            case '0' -> CodepointSet.single(0);
            case 'b' -> CodepointSet.single(8); // only reached inside a class
            case 'x' -> CodepointSet.single(hex(2));
            case 'u' -> {
                if (pos < src.length() && src.charAt(pos) == '{') {
                    int close = src.indexOf('}', pos);
                    if (close < 0) {
                        throw error("unterminated \\u{...}");
                    }
                    int cp = Integer.parseInt(src.substring(pos + 1, close), 16);
                    pos = close + 1;
                    yield CodepointSet.single(cp);
                }
                yield CodepointSet.single(hex(4));
            }
            case 'p', 'P' -> throw error("Unicode property escapes (\\" + e + ") are not supported");
            default -> {
                if (Character.isLetterOrDigit(e)) {
                    throw error("unknown escape \\" + e);
                }
                yield CodepointSet.single(e);
            }
        };
    }

    private int hex(int digits) {
        if (pos + digits > src.length()) {
            throw error("expected " + digits + " hex digits");
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(src.charAt(pos + i), 16);
            if (d < 0) {
                throw error("expected " + digits + " hex digits");
            }
            v = v * 16 + d;
        }
        pos += digits;
        return v;
    }

    private CodepointSet charClass() {
        int start = pos;
        pos++;
        boolean negated = pos < src.length() && src.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        CodepointSet.Builder set = new CodepointSet.Builder();
        boolean first = true;
        while (true) {
            if (pos >= src.length()) {
                pos = start;
                throw error("unterminated character class");
            }
            char c = src.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                break;
            }
            first = false;
            CodepointSet lo = classAtom();
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']'
                    && lo.rangeCount() == 1 && lo.lo(0) == lo.hi(0)) {
                int save = pos;
                pos++;
                CodepointSet hi = classAtom();
                if (hi.rangeCount() == 1 && hi.lo(0) == hi.hi(0)) {
                    if (hi.lo(0) < lo.lo(0)) {
                        throw error("character range out of order");
                    }
                    set.add(lo.lo(0), hi.lo(0));
                    continue;
                }
                pos = save; // "a-\d": the dash is literal
            }
            set.addAll(lo);
        }
        CodepointSet s = set.build();
        return negated ? s.complement() : s;
    }

    private CodepointSet classAtom() {
        char c = src.charAt(pos);
        if (c == '\\') {
            if (pos + 1 >= src.length()) {
                throw error("pattern ends with a backslash");
            }
            return escape(true);
        }
        int cp = src.codePointAt(pos);
        pos += Character.charCount(cp);
        return CodepointSet.single(cp);
    }

    private static CodepointSet unicodeDigits() {
        CodepointSet s = unicodeDigits;
        if (s == null) {
            s = byType(t -> t == Character.DECIMAL_DIGIT_NUMBER);
            unicodeDigits = s;
        }
        return s;
    }

    private static CodepointSet unicodeWord() {
        CodepointSet s = unicodeWord;
        if (s == null) {
            s = byType(t -> t == Character.UPPERCASE_LETTER || t == Character.LOWERCASE_LETTER
                    || t == Character.TITLECASE_LETTER || t == Character.MODIFIER_LETTER || t == Character.OTHER_LETTER
                    || t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK
                    || t == Character.COMBINING_SPACING_MARK || t == Character.DECIMAL_DIGIT_NUMBER
                    || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER
                    || t == Character.CONNECTOR_PUNCTUATION).union(CodepointSet.single('_'));
            unicodeWord = s;
        }
        return s;
    }

    private static CodepointSet byType(java.util.function.IntPredicate type) {
        CodepointSet.Builder b = new CodepointSet.Builder();
        int start = -1;
        for (int cp = 0; cp <= CodepointSet.MAX + 1; cp++) {
            boolean in = cp <= CodepointSet.MAX && type.test(Character.getType(cp));
            if (in && start < 0) {
                start = cp;
            } else if (!in && start >= 0) {
                b.add(start, cp - 1);
                start = -1;
            }
        }
        return b.build();
    }

    private GrammarException error(String message) {
        return new GrammarException(where + ": pattern \"" + src + "\" at offset " + pos + ": " + message);
    }
}
