package dev.kiln.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * Compact JSON text and the grammar of JSON strings. {@link #write} is the one serialization the engine uses for
 * {@code enum}/{@code const} literals and object keys (no whitespace, keys in order, non-ASCII kept, the two-letter
 * escapes for {@code \b \f \n \r \t}, {@code \\u00XX} for other control characters, numbers without exponent), so
 * that text written the same way matches them.
 */
public final class JsonText {

    private JsonText() {
    }

    /** Compact JSON of a tree parsed with big decimals (see {@link JsonSchemaCompiler#MAPPER}). */
    public static String write(JsonNode node) {
        StringBuilder out = new StringBuilder();
        write(node, out);
        return out.toString();
    }

    private static void write(JsonNode node, StringBuilder out) {
        switch (node.getNodeType()) {
            case OBJECT -> {
                out.append('{');
                boolean first = true;
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    string(e.getKey(), out);
                    out.append(':');
                    write(e.getValue(), out);
                }
                out.append('}');
            }
            case ARRAY -> {
                out.append('[');
                for (int i = 0; i < node.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    write(node.get(i), out);
                }
                out.append(']');
            }
            case STRING -> string(node.textValue(), out);
            case NUMBER -> out.append(number(node));
            case BOOLEAN -> out.append(node.booleanValue());
            case NULL -> out.append("null");
            default -> throw new IllegalArgumentException("not JSON: " + node);
        }
    }

    /** A number as plain decimal text (integers as integers; no exponent). */
    static String number(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.bigIntegerValue().toString();
        }
        BigDecimal d = node.decimalValue();
        String plain = d.toPlainString();
        return plain;
    }

    /** A JSON string literal of {@code s}. */
    public static String string(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2);
        string(s, out);
        return out.toString();
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    // --- grammar of string contents

    private static final CodepointSet MUST_ESCAPE = CodepointSet.of(0, 0x1F).union(CodepointSet.chars("\"\\"));

    /**
     * The JSON text of one code point of {@code set}: itself, or its two-letter escape, or {@code \\u00XX} for a
     * control character. Other characters are not accepted in {@code \\uXXXX} form: the language stays canonical
     * (it is what {@link #write} produces) and its automata small.
     */
    static Expr character(CodepointSet set) {
        java.util.List<Expr> alts = new java.util.ArrayList<>();
        CodepointSet raw = set.minus(MUST_ESCAPE);
        if (!raw.isEmpty()) {
            alts.add(Expr.chars(raw));
        }
        StringBuilder shortEscapes = new StringBuilder();
        String[][] escapes = {{"\"", "\""}, {"\\", "\\"}, {"/", "/"}, {"\b", "b"}, {"\f", "f"}, {"\n", "n"},
                {"\r", "r"}, {"\t", "t"}};
        for (String[] e : escapes) {
            if (set.contains(e[0].charAt(0))) {
                shortEscapes.append(e[1]);
            }
        }
        // \\uXXXX only where it is needed: control characters (others are written as themselves)
        CodepointSet controls = set.intersect(CodepointSet.of(0, 0x1F));
        Expr hex = null;
        if (!controls.isEmpty()) {
            java.util.List<Expr> ranges = new java.util.ArrayList<>();
            for (int i = 0; i < controls.rangeCount(); i++) {
                ranges.add(hexRange(controls.lo(i), controls.hi(i), 4));
            }
            hex = Expr.alt(ranges);
        }
        if (shortEscapes.length() > 0 || hex != null) {
            java.util.List<Expr> after = new java.util.ArrayList<>();
            if (shortEscapes.length() > 0) {
                after.add(Expr.chars(CodepointSet.chars(shortEscapes.toString())));
            }
            if (hex != null) {
                after.add(Expr.seq(Expr.ch('u'), hex));
            }
            alts.add(Expr.seq(Expr.ch('\\'), Expr.alt(after)));
        }
        return alts.isEmpty() ? Expr.NOTHING : Expr.alt(alts);
    }

    /** {@code n} hex digits (either case) whose value is in {@code [lo, hi]}. */
    static Expr hexRange(int lo, int hi, int n) {
        if (n == 0) {
            return Expr.EMPTY;
        }
        int top = 1 << (4 * (n - 1));
        int dlo = lo / top;
        int dhi = hi / top;
        if (dlo == dhi) {
            return Expr.seq(hexDigits(dlo, dlo), hexRange(lo % top, hi % top, n - 1));
        }
        java.util.List<Expr> alts = new java.util.ArrayList<>();
        int midLo = dlo;
        int midHi = dhi;
        if (lo % top != 0) {
            alts.add(Expr.seq(hexDigits(dlo, dlo), hexRange(lo % top, top - 1, n - 1)));
            midLo++;
        }
        boolean highPartial = hi % top != top - 1;
        if (highPartial) {
            midHi--;
        }
        if (midLo <= midHi) {
            alts.add(Expr.seq(hexDigits(midLo, midHi), Expr.repeat(hexDigits(0, 15), n - 1, n - 1)));
        }
        if (highPartial) {
            alts.add(Expr.seq(hexDigits(dhi, dhi), hexRange(0, hi % top, n - 1)));
        }
        return Expr.alt(alts);
    }

    private static Expr hexDigits(int lo, int hi) {
        CodepointSet.Builder b = new CodepointSet.Builder();
        for (int d = lo; d <= hi; d++) {
            if (d < 10) {
                b.add('0' + d, '0' + d);
            } else {
                b.add('a' + d - 10, 'a' + d - 10);
                b.add('A' + d - 10, 'A' + d - 10);
            }
        }
        return Expr.chars(b.build());
    }

    /** A JSON string whose decoded content is in {@code content}, each character written by {@code character}. */
    static Expr string(CharDfa content, java.util.function.Function<CodepointSet, Expr> character) {
        return Expr.seq(Expr.ch('"'), new Expr.Automaton(content, character), Expr.ch('"'));
    }

    /** A JSON string whose decoded content is in {@code content}, characters inline. */
    static Expr string(CharDfa content) {
        return string(content, JsonText::character);
    }

    /** Printable ASCII other than the quote and the backslash: characters that are their own one-byte JSON text. */
    static final CodepointSet PLAIN = CodepointSet.of(0x20, 0x7E).minus(CodepointSet.chars("\"\\"));

    /** Any JSON string. */
    static Expr anyString() {
        return Expr.seq(Expr.ch('"'), Expr.star(character(CodepointSet.ALL)), Expr.ch('"'));
    }
}
