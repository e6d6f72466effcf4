package dev.kiln.core.chat.jinja;

import java.util.List;
import java.util.Map;

/** Jinja2's built-in tests ({@code x is defined}, {@code is string}, {@code is none}, {@code is equalto y}, ...). */
final class Tests {
    private Tests() {}

    static boolean apply(Interpreter in, String name, Object v, List<Object> a, int line) {
        return switch (name) {
            case "defined" -> !(v instanceof Undefined);
            case "undefined" -> v instanceof Undefined;
            case "none" -> v == null;
            case "boolean" -> v instanceof Boolean;
            case "true" -> Boolean.TRUE.equals(v);
            case "false" -> Boolean.FALSE.equals(v);
            case "integer" -> v instanceof Long || v instanceof Integer;
            case "float" -> v instanceof Double;
            case "number" -> Values.isNumber(v);
            case "string" -> v instanceof String;
            case "mapping" -> v instanceof Map<?, ?>;
            case "iterable" -> v instanceof List<?> || v instanceof Map<?, ?> || v instanceof String || v instanceof Undefined;
            case "sequence" -> v instanceof List<?> || v instanceof Map<?, ?> || v instanceof String || v instanceof Undefined;
            case "callable" -> v instanceof JinjaCallable;
            case "escaped" -> false;
            case "sameas" -> sameAs(v, a.getFirst());
            case "eq", "equalto", "==" -> Values.eq(v, a.getFirst());
            case "ne", "!=" -> !Values.eq(v, a.getFirst());
            case "lt", "lessthan", "<" -> Values.compare(v, a.getFirst(), line) < 0;
            case "le", "<=" -> Values.compare(v, a.getFirst(), line) <= 0;
            case "gt", "greaterthan", ">" -> Values.compare(v, a.getFirst(), line) > 0;
            case "ge", ">=" -> Values.compare(v, a.getFirst(), line) >= 0;
            case "in" -> Values.contains(a.getFirst(), v, line);
            case "odd" -> Values.toLong(v) % 2 != 0;
            case "even" -> Values.toLong(v) % 2 == 0;
            case "divisibleby" -> Values.toLong(v) % Values.toLong(a.getFirst()) == 0;
            case "lower" -> v instanceof String s && s.equals(s.toLowerCase(java.util.Locale.ROOT));
            case "upper" -> v instanceof String s && s.equals(s.toUpperCase(java.util.Locale.ROOT));
            case "filter" -> true;
            case "test" -> true;
            default -> throw new TemplateException("no test named '" + name + "'", line);
        };
    }

    private static boolean sameAs(Object x, Object y) {
        if (x == null || y == null) {
            return x == y;
        }
        if (x instanceof Boolean || y instanceof Boolean) {
            return x.equals(y);
        }
        if (x instanceof Long a && y instanceof Long b) {
            return a.equals(b) && a >= -5 && a <= 256;
        }
        return x == y;
    }
}
