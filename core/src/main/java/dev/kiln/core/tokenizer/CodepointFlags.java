package dev.kiln.core.tokenizer;

/**
 * Unicode properties of a code point as llama.cpp's {@code unicode.cpp} sees them: one general-category class
 * ({@code \p{N}}, {@code \p{L}}, {@code \p{Z}}, {@code \p{M}}, {@code \p{P}}, {@code \p{S}}, {@code \p{C}}; unassigned code
 * points count as {@code \p{C}}) plus the Unicode {@code White_Space} property, which is what {@code \s} means in the
 * pre-tokenizer regexes. Categories come from {@link Character#getType(int)}.
 */
final class CodepointFlags {
    static final int NUMBER = 1;
    static final int LETTER = 2;
    static final int SEPARATOR = 3;
    static final int ACCENT_MARK = 4;
    static final int PUNCTUATION = 5;
    static final int SYMBOL = 6;
    static final int CONTROL = 7;

    private static final int WHITESPACE_BIT = 0x10;

    /** [65536] category | WHITESPACE_BIT for the basic multilingual plane. */
    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int cp = 0; cp < BMP.length; cp++) {
            BMP[cp] = (byte) compute(cp);
        }
    }

    private CodepointFlags() {}

    /** The category class of {@code cp} (one of the constants above). */
    static int category(int cp) {
        return flags(cp) & 0x0F;
    }

    static boolean isWhitespace(int cp) {
        return (flags(cp) & WHITESPACE_BIT) != 0;
    }

    static boolean isLetter(int cp) {
        return category(cp) == LETTER;
    }

    static boolean isNumber(int cp) {
        return category(cp) == NUMBER;
    }

    private static int flags(int cp) {
        return cp >= 0 && cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    private static int compute(int cp) {
        int category = switch (Character.getType(cp)) {
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> NUMBER;
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> LETTER;
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> SEPARATOR;
            case Character.NON_SPACING_MARK, Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK -> ACCENT_MARK;
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> PUNCTUATION;
            case Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL, Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> SYMBOL;
            default -> CONTROL;
        };
        return category | (whiteSpace(cp) ? WHITESPACE_BIT : 0);
    }

    /** The Unicode White_Space property (Python's {@code regex} module {@code \s}, from which llama.cpp's table is made). */
    private static boolean whiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }
}
