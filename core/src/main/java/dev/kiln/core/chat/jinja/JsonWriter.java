package dev.kiln.core.chat.jinja;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Python's {@code json.dumps} over the template value model, as Hugging Face's {@code tojson} filter calls it:
 * {@code ensure_ascii=False} (non-ASCII kept as is), separators {@code ", "} and {@code ": "} without indent and
 * {@code ","} and {@code ": "} with one, keys in insertion order unless {@code sort_keys}. Strings escape
 * {@code " \ \n \r \t \b \f} and other control characters as backslash-u escapes; floats print as Python's repr.
 */
final class JsonWriter {
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;
    private final int line;
    private final StringBuilder out = new StringBuilder();

    private JsonWriter(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii,
                       int line) {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
        this.line = line;
    }

    /** {@code indent}: null (one line), a number of spaces or a string; separators null for Python's defaults. */
    static String dumps(Object value, Object indent, List<?> separators, boolean sortKeys, boolean ensureAscii, int line) {
        String ind = indent == null ? null
                : indent instanceof String s ? s : " ".repeat((int) Math.max(0, Values.toLong(indent)));
        String item = ind == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            item = Values.str(separators.get(0));
            key = Values.str(separators.get(1));
        }
        JsonWriter w = new JsonWriter(ind, item, key, sortKeys, ensureAscii, line);
        w.write(value, 0);
        return w.out.toString();
    }

    static String dumps(Object value) {
        return dumps(value, null, null, false, false, 0);
    }

    private void newline(int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void write(Object v, int depth) {
        switch (v) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Long l -> out.append(l);
            case Integer i -> out.append(i);
            case Double d -> out.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : Values.floatRepr(d));
            case String s -> string(s);
            case List<?> l -> {
                if (l.isEmpty()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        out.append(itemSeparator);
                    }
                    newline(depth + 1);
                    write(l.get(i), depth + 1);
                }
                newline(depth);
                out.append(']');
            }
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    out.append("{}");
                    return;
                }
                Map<?, ?> entries = m;
                if (sortKeys) {
                    TreeMap<String, Object> sorted = new TreeMap<>(Values::compareCodePoints);
                    m.forEach((k, val) -> sorted.put(key(k), val));
                    entries = sorted;
                }
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : entries.entrySet()) {
                    if (!first) {
                        out.append(itemSeparator);
                    }
                    first = false;
                    newline(depth + 1);
                    string(key(e.getKey()));
                    out.append(keySeparator);
                    write(e.getValue(), depth + 1);
                }
                newline(depth);
                out.append('}');
            }
            default -> throw new TemplateException("Object of type " + Values.typeName(v) + " is not JSON serializable",
                    line);
        }
    }

    private String key(Object k) {
        return switch (k) {
            case String s -> s;
            case null -> "null";
            case Boolean b -> b ? "true" : "false";
            case Long l -> l.toString();
            case Double d -> Values.floatRepr(d);
            default -> throw new TemplateException("keys must be str, int, float, bool or None, not "
                    + Values.typeName(k), line);
        };
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
