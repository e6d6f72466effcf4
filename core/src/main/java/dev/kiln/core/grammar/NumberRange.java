package dev.kiln.core.grammar;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The JSON numbers within bounds, as an exact automaton over their digits (no floating point): a number is read
 * digit by digit and compared with each bound as it goes (more integer digits means larger; equal lengths compare
 * digit by digit, then the fractions), so {@code minimum}, {@code maximum}, their exclusive forms and {@code
 * multipleOf} hold for every accepted text, however long. Written without an exponent (an exponent would make the
 * value's magnitude depend on digits still to come).
 *
 * @param low        lower bound, or null
 * @param lowStrict  {@code exclusiveMinimum}
 * @param high       upper bound, or null
 * @param highStrict {@code exclusiveMaximum}
 * @param integer    no fraction part
 * @param multipleOf a positive step, or null
 */
record NumberRange(BigDecimal low, boolean lowStrict, BigDecimal high, boolean highStrict, boolean integer,
                   BigDecimal multipleOf) {

    /** Caps on the bound digits and the {@code multipleOf} numerator, to keep the automaton small. */
    private static final int MAX_DIGITS = 400;
    private static final int MAX_MODULUS = 100_000;

    private static final int LT = -1;
    private static final int EQ = 0;
    private static final int GT = 1;

    // phases
    private static final int START = 0;      // nothing read
    private static final int MINUS = 1;      // read '-'
    private static final int ZERO = 2;       // integer part is "0"
    private static final int INT = 3;        // in the integer digits (first was 1-9)
    private static final int DOT = 4;        // read '.'
    private static final int FRAC = 5;       // in the fraction digits

    /** A bound on the magnitude: its integer digits and fraction digits (trailing zeros dropped). */
    private record Bound(String integerDigits, String fractionDigits, boolean strict) {
        static Bound of(BigDecimal magnitude, boolean strict) {
            BigDecimal m = magnitude.stripTrailingZeros();
            String plain = m.toPlainString();
            int dot = plain.indexOf('.');
            String i = dot < 0 ? plain : plain.substring(0, dot);
            String f = dot < 0 ? "" : plain.substring(dot + 1);
            if (i.length() + f.length() > MAX_DIGITS) {
                throw new GrammarException("numeric bound " + magnitude + " has too many digits");
            }
            return new Bound(i, f, strict);
        }
    }

    /**
     * Comparison of the digits read so far with one bound: {@code pos} digits compared (integer phase: integer
     * digits read, capped past the bound's length; fraction phase: fraction digits read), {@code rel} the relation
     * so far.
     */
    private record Cmp(int pos, int rel, boolean decided) {
        static final Cmp FRESH = new Cmp(0, EQ, false);
    }

    /** The state: phase, sign, the two comparisons, and the remainder for multipleOf. */
    private record State(int phase, boolean negative, Cmp lo, Cmp hi, int mod, int fracDigits) {
    }

    /** Builds the rule. */
    DfaMachine machine(int id, String name) {
        // multipleOf = numerator * 10^-scale
        final int modulus;
        final int scale;
        if (multipleOf != null) {
            if (multipleOf.signum() <= 0) {
                throw new GrammarException("multipleOf must be positive, got " + multipleOf);
            }
            BigDecimal m = multipleOf.stripTrailingZeros();
            int sc = Math.max(0, m.scale());
            BigInteger numerator = m.movePointRight(sc).toBigIntegerExact();
            if (m.scale() < 0) {
                numerator = m.toBigIntegerExact();
                sc = 0;
            }
            if (numerator.compareTo(BigInteger.valueOf(MAX_MODULUS)) > 0) {
                throw new GrammarException("multipleOf " + multipleOf + " is too large to enforce");
            }
            modulus = numerator.intValueExact();
            scale = sc;
        } else {
            modulus = 1;
            scale = -1;
        }
        final boolean fraction = !integer && scale != 0;
        final int fractionCap = scale < 0 ? Integer.MAX_VALUE : scale;
        final int tenPowMod = modulus;

        ExplicitDfa.Graph<State> graph = new ExplicitDfa.Graph<>() {
            @Override
            public State start() {
                return new State(START, false, Cmp.FRESH, Cmp.FRESH, 0, 0);
            }

            @Override
            public State next(State s, int b) {
                switch (s.phase) {
                    case START -> {
                        if (b == '-') {
                            return negativeAllowed() ? new State(MINUS, true, s.lo, s.hi, 0, 0) : null;
                        }
                        return firstDigit(s, b);
                    }
                    case MINUS -> {
                        return firstDigit(s, b);
                    }
                    case ZERO, INT -> {
                        if (b == '.' && fraction) {
                            return new State(DOT, s.negative, endInteger(s.lo, bound(s.negative, true)),
                                    endInteger(s.hi, bound(s.negative, false)), s.mod, 0);
                        }
                        if (s.phase == INT && b >= '0' && b <= '9') {
                            return new State(INT, s.negative, intDigit(s.lo, bound(s.negative, true), b),
                                    intDigit(s.hi, bound(s.negative, false), b), (s.mod * 10 + (b - '0')) % tenPowMod, 0);
                        }
                        return null;
                    }
                    case DOT, FRAC -> {
                        if (b < '0' || b > '9' || s.fracDigits >= fractionCap) {
                            return null;
                        }
                        int fd = Math.min(s.fracDigits + 1, scale < 0 ? 1 : s.fracDigits + 1);
                        return new State(FRAC, s.negative, fracDigit(s.lo, bound(s.negative, true), b),
                                fracDigit(s.hi, bound(s.negative, false), b), (s.mod * 10 + (b - '0')) % tenPowMod,
                                scale < 0 ? fd : s.fracDigits + 1);
                    }
                    default -> {
                        return null;
                    }
                }
            }

            private State firstDigit(State s, int b) {
                if (b == '0') {
                    return new State(ZERO, s.negative, intDigit(s.lo, bound(s.negative, true), b),
                            intDigit(s.hi, bound(s.negative, false), b), 0, 0);
                }
                if (b >= '1' && b <= '9') {
                    return new State(INT, s.negative, intDigit(s.lo, bound(s.negative, true), b),
                            intDigit(s.hi, bound(s.negative, false), b), (b - '0') % tenPowMod, 0);
                }
                return null;
            }

            @Override
            public boolean accepting(State s) {
                if (s.phase != ZERO && s.phase != INT && s.phase != FRAC) {
                    return false;
                }
                boolean intPhase = s.phase != FRAC;
                Bound lowB = bound(s.negative, true);
                Bound highB = bound(s.negative, false);
                if (lowB != null && !satisfies(finish(s.lo, lowB, intPhase), lowB, true)) {
                    return false;
                }
                if (highB != null && !satisfies(finish(s.hi, highB, intPhase), highB, false)) {
                    return false;
                }
                if (modulus > 1 || scale > 0) {
                    long m = s.mod;
                    int missing = scale - (s.phase == FRAC ? s.fracDigits : 0);
                    for (int k = 0; k < missing; k++) {
                        m = (m * 10) % modulus;
                    }
                    return m % modulus == 0;
                }
                return true;
            }
        };
        return ExplicitDfa.build(id, name, graph);
    }

    private boolean negativeAllowed() {
        return low == null || low.signum() < 0;
    }

    /**
     * The magnitude bound that plays the role of a lower ({@code lower}) or upper bound for numbers of this sign:
     * for negatives, {@code x >= low} is {@code |x| <= -low}. Null: no bound.
     */
    private Bound bound(boolean negative, boolean lower) {
        if (!negative) {
            if (lower) {
                return low != null && low.signum() >= 0 ? Bound.of(low, lowStrict) : null;
            }
            return high != null ? Bound.of(high.signum() < 0 ? BigDecimal.ZERO : high,
                    high.signum() < 0 || highStrict) : null;
        }
        if (lower) {
            return high != null && high.signum() < 0 ? Bound.of(high.negate(), highStrict) : null;
        }
        return low != null ? Bound.of(low.negate(), lowStrict) : null;
    }

    private static Cmp intDigit(Cmp c, Bound b, int digit) {
        if (b == null || c.decided) {
            return c;
        }
        String bi = b.integerDigits;
        int pos = c.pos;
        if (pos >= bi.length()) {
            return new Cmp(bi.length() + 1, GT, false); // longer than the bound: larger, unless... (decided at the end)
        }
        int rel = c.rel;
        if (rel == EQ) {
            rel = Integer.compare(digit, bi.charAt(pos));
        }
        return new Cmp(pos + 1, rel, false);
    }

    /** At the '.' or the end of the integer part: the relation of the integer parts. */
    private static Cmp endInteger(Cmp c, Bound b) {
        if (b == null || c.decided) {
            return c;
        }
        int len = b.integerDigits.length();
        int rel = c.pos < len ? LT : c.pos > len ? GT : c.rel;
        return rel == EQ ? new Cmp(0, EQ, false) : new Cmp(0, rel, true);
    }

    private static Cmp fracDigit(Cmp c, Bound b, int digit) {
        if (b == null || c.decided) {
            return c;
        }
        String bf = b.fractionDigits;
        int bd = c.pos < bf.length() ? bf.charAt(c.pos) : '0';
        int rel = Integer.compare(digit, bd);
        if (rel != EQ) {
            return new Cmp(0, rel, true);
        }
        return new Cmp(Math.min(c.pos + 1, bf.length()), EQ, false);
    }

    private static int finish(Cmp c, Bound b, boolean intPhase) {
        if (intPhase) {
            c = endInteger(c, b);
        }
        if (c.decided) {
            return c.rel;
        }
        // equal so far: the bound is larger if it has fraction digits left (trailing zeros were dropped)
        return c.pos < b.fractionDigits.length() ? LT : EQ;
    }

    private static boolean satisfies(int rel, Bound b, boolean lower) {
        if (rel == EQ) {
            return !b.strict;
        }
        return lower ? rel == GT : rel == LT;
    }
}
