package dev.kiln.core.grammar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of a grammar rule before compilation: a regular expression over Unicode code points (matched as their
 * UTF-8 bytes) that may call other rules. GBNF, JSON Schema and regular-expression patterns all become these trees;
 * {@link GrammarBuilder} compiles each rule's tree into a {@link Machine}.
 */
public sealed interface Expr {

    /** One code point of the set, as its UTF-8 bytes. */
    record Chars(CodepointSet set) implements Expr {
    }

    /** One raw byte in {@code [lo, hi]} (for bytes that are not whole characters, e.g. GBNF {@code \x80}). */
    record Bytes(int lo, int hi) implements Expr {
    }

    record Seq(List<Expr> items) implements Expr {
        public Seq {
            items = List.copyOf(items);
        }
    }

    record Alt(List<Expr> items) implements Expr {
        public Alt {
            items = List.copyOf(items);
        }
    }

    /** {@code item{min,max}}; {@code max < 0} means unbounded. */
    record Repeat(Expr item, int min, int max) implements Expr {
        public Repeat {
            if (min < 0 || (max >= 0 && max < min)) {
                throw new IllegalArgumentException("repeat {" + min + "," + max + "}");
            }
        }
    }

    /**
     * A code-point automaton whose every edge (a set of code points) is written as {@code edge.apply(set)}: how a
     * JSON Schema string constraint (pattern, format, lengths) becomes the JSON text of such strings.
     */
    record Automaton(CharDfa dfa, java.util.function.Function<CodepointSet, Expr> edge) implements Expr {
    }

    /** A call of rule {@code rule} (an id of the {@link GrammarBuilder}). */
    record Call(int rule) implements Expr {
    }

    Expr EMPTY = new Seq(List.of());
    /** Matches nothing. */
    Expr NOTHING = new Alt(List.of());

    static Expr chars(CodepointSet set) {
        return new Chars(set);
    }

    static Expr ch(int codepoint) {
        return new Chars(CodepointSet.single(codepoint));
    }

    /** The exact text. */
    static Expr literal(String text) {
        List<Expr> items = new ArrayList<>();
        text.codePoints().forEach(c -> items.add(ch(c)));
        return items.size() == 1 ? items.get(0) : new Seq(items);
    }

    /** The exact bytes. */
    static Expr bytes(byte[] bytes) {
        List<Expr> items = new ArrayList<>();
        for (byte b : bytes) {
            items.add(new Bytes(b & 0xff, b & 0xff));
        }
        return new Seq(items);
    }

    static Expr literalUtf8(String text) {
        return bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    static Expr seq(Expr... items) {
        return items.length == 1 ? items[0] : new Seq(List.of(items));
    }

    static Expr seq(List<Expr> items) {
        return items.size() == 1 ? items.get(0) : new Seq(items);
    }

    static Expr alt(Expr... items) {
        return items.length == 1 ? items[0] : new Alt(List.of(items));
    }

    static Expr alt(List<Expr> items) {
        return items.size() == 1 ? items.get(0) : new Alt(items);
    }

    static Expr optional(Expr e) {
        return new Repeat(e, 0, 1);
    }

    static Expr star(Expr e) {
        return new Repeat(e, 0, -1);
    }

    static Expr plus(Expr e) {
        return new Repeat(e, 1, -1);
    }

    static Expr repeat(Expr e, int min, int max) {
        return new Repeat(e, min, max);
    }

    static Expr call(int rule) {
        return new Call(rule);
    }
}
