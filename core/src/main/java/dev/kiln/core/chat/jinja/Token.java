package dev.kiln.core.chat.jinja;

/**
 * One lexical token of a template: literal text between tags, a tag delimiter, or an expression token.
 *
 * @param value for STRING the unescaped text, for INT a Long, for FLOAT a Double, else the source text
 */
record Token(Type type, String text, Object value, int line) {

    enum Type { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INT, FLOAT, OP, EOF }

    boolean is(Type t, String s) {
        return type == t && text.equals(s);
    }

    boolean isOp(String s) {
        return is(Type.OP, s);
    }

    boolean isName(String s) {
        return is(Type.NAME, s);
    }

    String describe() {
        return switch (type) {
            case EOF -> "end of template";
            case BLOCK_END -> "'%}'";
            case VAR_END -> "'}}'";
            case DATA -> "template data";
            default -> "'" + text + "'";
        };
    }
}
