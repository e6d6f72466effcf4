package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses GBNF, llama.cpp's grammar format (grammars/README.md of llama.cpp): {@code name ::= alternatives} rules,
 * string literals, character classes ({@code [a-z]}, {@code [^"\\]}), {@code .}, groups, {@code | * + ?} and
 * {@code {m}, {m,}, {m,n}} repetitions, {@code #} comments; escapes {@code \n \r \t \\ \" \[ \] \xHH \\uHHHH
 * \UHHHHHHHH}. Rule names are letters, digits and {@code -}; {@code root} is the start. As in llama.cpp, a rule ends
 * at a line break unless it is inside a group or follows {@code |} or {@code ::=}. Errors name the line and column.
 */
final class GbnfParser {

    private final String src;
    private int pos;
    private final GrammarBuilder builder = new GrammarBuilder();
    private final Map<Integer, Integer> firstUse = new HashMap<>();  // rule id -> offset of its first reference

    private GbnfParser(String src) {
        this.src = src;
    }

    static Grammar parse(String text) {
        GbnfParser p = new GbnfParser(text);
        p.rules();
        GrammarBuilder b = p.builder;
        if (!b.has("root")) {
            throw new GrammarException("GBNF: the grammar has no rule named root");
        }
        for (int id = 0; id < b.size(); id++) {
            if (!b.isDefined(id)) {
                Integer at = p.firstUse.get(id);
                throw p.error(at == null ? 0 : at, "rule " + b.name(id) + " is used but never defined");
            }
        }
        return b.build(b.rule("root"), "GBNF");
    }

    private void rules() {
        skipSpace(true);
        while (pos < src.length()) {
            int start = pos;
            String name = name();
            if (name.isEmpty()) {
                throw error(pos, "expected a rule name");
            }
            skipSpace(false);
            if (!src.startsWith("::=", pos)) {
                throw error(pos, "expected ::= after rule name " + name);
            }
            pos += 3;
            skipSpace(true);
            int id = builder.rule(name);
            if (builder.isDefined(id)) {
                throw error(start, "rule " + name + " is defined twice");
            }
            builder.define(id, alternatives(false));
            skipSpace(false);
            if (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
                throw error(pos, "expected the end of the line after rule " + name + ", found '"
                        + describe(src.codePointAt(pos)) + "'");
            }
            skipSpace(true);
        }
    }

    private Expr alternatives(boolean nested) {
        List<Expr> alts = new ArrayList<>();
        alts.add(sequence(nested));
        while (pos < src.length() && src.charAt(pos) == '|') {
            pos++;
            skipSpace(true);
            alts.add(sequence(nested));
        }
        return Expr.alt(alts);
    }

    private Expr sequence(boolean nested) {
        List<Expr> items = new ArrayList<>();
        while (pos < src.length()) {
            char c = src.charAt(pos);
            Expr item;
            if (c == '"') {
                item = literal();
            } else if (c == '[') {
                item = charClass();
            } else if (c == '.') {
                pos++;
                item = Expr.chars(CodepointSet.ALL);
            } else if (c == '(') {
                pos++;
                skipSpace(true);
                item = alternatives(true);
                skipSpace(true);
                if (pos >= src.length() || src.charAt(pos) != ')') {
                    throw error(pos, "expected ')'");
                }
                pos++;
            } else if (isWordChar(c)) {
                int at = pos;
                String name = name();
                int id = builder.rule(name);
                firstUse.putIfAbsent(id, at);
                item = Expr.call(id);
            } else {
                break;
            }
            skipSpace(nested);
            item = postfix(item, nested);
            items.add(item);
        }
        return Expr.seq(items);
    }

    private Expr postfix(Expr item, boolean nested) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '*') {
                item = Expr.star(item);
                pos++;
            } else if (c == '+') {
                item = Expr.plus(item);
                pos++;
            } else if (c == '?') {
                item = Expr.optional(item);
                pos++;
            } else if (c == '{') {
                int at = pos;
                pos++;
                skipSpace(nested);
                int min = number(0);
                int max = min;
                skipSpace(nested);
                if (pos < src.length() && src.charAt(pos) == ',') {
                    pos++;
                    skipSpace(nested);
                    max = pos < src.length() && Character.isDigit(src.charAt(pos)) ? number(-1) : -1;
                    skipSpace(nested);
                }
                if (pos >= src.length() || src.charAt(pos) != '}') {
                    throw error(pos, "expected '}' to close the repetition");
                }
                pos++;
                if (max >= 0 && max < min) {
                    throw error(at, "repetition {" + min + "," + max + "}: the maximum is below the minimum");
                }
                if (min > 10_000 || max > 10_000) {
                    throw error(at, "repetition count over 10000");
                }
                item = Expr.repeat(item, min, max);
            } else {
                return item;
            }
            skipSpace(nested);
        }
        return item;
    }

    private int number(int absent) {
        int start = pos;
        while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
            pos++;
        }
        if (start == pos) {
            if (absent >= 0) {
                return absent;
            }
            throw error(pos, "expected a number");
        }
        try {
            return Integer.parseInt(src.substring(start, pos));
        } catch (NumberFormatException e) {
            throw error(start, "repetition count too large");
        }
    }

    private Expr literal() {
        int start = pos;
        pos++;
        List<Expr> items = new ArrayList<>();
        while (true) {
            if (pos >= src.length()) {
                throw error(start, "unterminated string literal");
            }
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                break;
            }
            if (c == '\n' || c == '\r') {
                throw error(start, "unterminated string literal (line break inside)");
            }
            items.add(Expr.ch(character()));
        }
        return Expr.seq(items);
    }

    private Expr charClass() {
        int start = pos;
        pos++;
        boolean negated = pos < src.length() && src.charAt(pos) == '^';
        if (negated) {
            pos++;
        }
        CodepointSet.Builder set = new CodepointSet.Builder();
        boolean any = false;
        while (true) {
            if (pos >= src.length()) {
                throw error(start, "unterminated character class");
            }
            if (src.charAt(pos) == ']' && (any || true)) {
                pos++;
                break;
            }
            int lo = character();
            int hi = lo;
            if (pos + 1 < src.length() && src.charAt(pos) == '-' && src.charAt(pos + 1) != ']') {
                pos++;
                hi = character();
                if (hi < lo) {
                    throw error(pos, "character range " + describe(lo) + "-" + describe(hi) + " is backwards");
                }
            }
            if (!(hi < 0xD800 || lo > 0xDFFF) && lo >= 0xD800 && hi <= 0xDFFF) {
                continue; // only surrogates: nothing UTF-8 can hold
            }
            set.add(lo, hi);
            any = true;
        }
        CodepointSet s = set.build();
        return Expr.chars(negated ? s.complement() : s);
    }

    /** One character of a literal or class, escapes decoded. */
    private int character() {
        char c = src.charAt(pos);
        if (c != '\\') {
            int cp = src.codePointAt(pos);
            pos += Character.charCount(cp);
            return cp;
        }
        int at = pos;
        if (pos + 1 >= src.length()) {
            throw error(at, "unfinished escape");
        }
        char e = src.charAt(pos + 1);
        pos += 2;
        return switch (e) {
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '\\', '"', '[', ']', '-', '^', '/', '.' -> e;
            case 'x' -> hex(2, at);
            case 'u' -> hex(4, at);
            case 'U' -> hex(8, at);
            default -> throw error(at, "unknown escape \\" + e);
        };
    }

    private int hex(int digits, int at) {
        if (pos + digits > src.length()) {
            throw error(at, "expected " + digits + " hex digits");
        }
        int v = 0;
        for (int i = 0; i < digits; i++) {
            int d = Character.digit(src.charAt(pos + i), 16);
            if (d < 0) {
                throw error(at, "expected " + digits + " hex digits");
            }
            v = v * 16 + d;
        }
        pos += digits;
        if (v > CodepointSet.MAX) {
            throw error(at, "code point out of range");
        }
        return v;
    }

    private String name() {
        int start = pos;
        while (pos < src.length() && isWordChar(src.charAt(pos))) {
            pos++;
        }
        return src.substring(start, pos);
    }

    private static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    }

    /** Skips blanks and comments; line breaks too when {@code newlines}. */
    private void skipSpace(boolean newlines) {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '#') {
                while (pos < src.length() && src.charAt(pos) != '\n' && src.charAt(pos) != '\r') {
                    pos++;
                }
            } else if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
                pos++;
            } else {
                return;
            }
        }
    }

    private static String describe(int cp) {
        return cp < 0x20 ? String.format("\\x%02X", cp) : new String(Character.toChars(cp));
    }

    private GrammarException error(int at, String message) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < at && i < src.length(); i++) {
            if (src.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new GrammarException("GBNF line " + line + ", column " + column + ": " + message);
    }
}
