package dev.kiln.core.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's built-in filters (plus Hugging Face's {@code tojson}), with their Python behaviour: {@code length},
 * {@code list}, {@code string}, {@code trim}, {@code join}, {@code selectattr}/{@code rejectattr},
 * {@code select}/{@code reject}, {@code map}, {@code sort}, {@code unique}, {@code default}, {@code first}/{@code last},
 * {@code items}, {@code dictsort}, {@code tojson}, {@code safe}, {@code indent}, {@code replace}, case filters,
 * numeric filters, ...
 */
final class Filters {
    /** Filters that work on an undefined value (Jinja2's Undefined iterates as empty, prints as ""); others fail. */
    private static final java.util.Set<String> ACCEPT_UNDEFINED = java.util.Set.of("default", "d", "length", "count",
            "string", "list", "items", "safe", "join", "first", "last", "trim", "tojson", "select", "reject",
            "selectattr", "rejectattr", "map", "upper", "lower", "e", "escape", "capitalize", "title", "replace",
            "wordcount", "center", "truncate", "sort", "unique", "sum", "reverse", "min", "max",
            "batch", "format");

    private Filters() {}

    static Object apply(Interpreter in, String name, Object v, List<Object> a, Map<String, Object> k, int line) {
        if (v instanceof Undefined u && !ACCEPT_UNDEFINED.contains(name)) {
            throw u.error(line);
        }
        return switch (name) {
            case "length", "count" -> (long) Values.length(v, line);
            case "list" -> Values.iterate(v, line);
            case "string" -> Values.str(v);
            case "safe" -> Values.str(v);
            case "trim" -> Methods.strip(Values.str(v), arg(a, k, 0, "chars", null), true, true);
            case "upper" -> Values.str(v).toUpperCase(java.util.Locale.ROOT);
            case "lower" -> Values.str(v).toLowerCase(java.util.Locale.ROOT);
            case "capitalize" -> {
                String s = Values.str(v);
                yield s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                        + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            }
            case "title" -> Methods.title(Values.str(v));
            case "replace" -> {
                Object count = arg(a, k, 2, "count", null);
                JinjaCallable m = Methods.attribute(Values.str(v), "replace");
                yield m.call(count == null ? List.of(a.get(0), a.get(1)) : List.of(a.get(0), a.get(1), count), Map.of());
            }
            case "e", "escape" -> escape(Values.str(v));
            case "default", "d" -> {
                boolean bool = Values.truthy(arg(a, k, 1, "boolean", false));
                yield v instanceof Undefined || (bool && !Values.truthy(v)) ? arg(a, k, 0, "default_value", "") : v;
            }
            case "first" -> {
                List<Object> items = Values.iterate(v, line);
                yield items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.getFirst();
            }
            case "last" -> {
                List<Object> items = Values.iterate(v, line);
                yield items.isEmpty() ? new Undefined("No last item, sequence was empty.") : items.getLast();
            }
            case "reverse" -> {
                if (v instanceof String s) {
                    yield new StringBuilder(s).reverse().toString();
                }
                List<Object> items = Values.iterate(v, line);
                java.util.Collections.reverse(items);
                yield items;
            }
            case "join" -> {
                Object attribute = arg(a, k, 1, "attribute", null);
                String sep = Values.str(arg(a, k, 0, "d", ""));
                StringBuilder b = new StringBuilder();
                List<Object> items = Values.iterate(v, line);
                for (int i = 0; i < items.size(); i++) {
                    Object item = attribute == null ? items.get(i) : attrPath(items.get(i), attribute, line);
                    b.append(i > 0 ? sep : "").append(Values.str(item));
                }
                yield b.toString();
            }
            case "items" -> {
                if (v instanceof Undefined) {
                    yield new ArrayList<>();
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException("Can only get item pairs from a mapping.", line);
                }
                List<Object> items = new ArrayList<>();
                m.forEach((key, val) -> items.add(PyTuple.of(key, val)));
                yield items;
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw new TemplateException("dictsort requires a mapping", line);
                }
                boolean cs = Values.truthy(arg(a, k, 0, "case_sensitive", false));
                boolean byValue = "value".equals(arg(a, k, 1, "by", "key"));
                boolean reverse = Values.truthy(arg(a, k, 2, "reverse", false));
                List<Object> items = new ArrayList<>();
                m.forEach((key, val) -> items.add(PyTuple.of(key, val)));
                Comparator<Object> cmp = (x, y) -> Values.compare(sortKey(((List<?>) x).get(byValue ? 1 : 0), cs),
                        sortKey(((List<?>) y).get(byValue ? 1 : 0), cs), line);
                items.sort(reverse ? cmp.reversed() : cmp);
                yield items;
            }
            case "sort" -> {
                boolean reverse = Values.truthy(arg(a, k, 0, "reverse", false));
                boolean cs = Values.truthy(arg(a, k, 1, "case_sensitive", false));
                Object attribute = arg(a, k, 2, "attribute", null);
                List<Object> items = Values.iterate(v, line);
                Comparator<Object> cmp = (x, y) -> Values.compare(
                        sortKey(attribute == null ? x : attrPath(x, attribute, line), cs),
                        sortKey(attribute == null ? y : attrPath(y, attribute, line), cs), line);
                items.sort(reverse ? cmp.reversed() : cmp);
                yield items;
            }
            case "unique" -> {
                boolean cs = Values.truthy(arg(a, k, 0, "case_sensitive", false));
                Object attribute = arg(a, k, 1, "attribute", null);
                List<Object> seen = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v, line)) {
                    Object key = sortKey(attribute == null ? item : attrPath(item, attribute, line), cs);
                    if (!Values.contains(seen, key, line)) {
                        seen.add(key);
                        out.add(item);
                    }
                }
                yield out;
            }
            case "min", "max" -> {
                boolean cs = Values.truthy(arg(a, k, 0, "case_sensitive", false));
                Object attribute = arg(a, k, 1, "attribute", null);
                Object best = null;
                Object bestKey = null;
                for (Object item : Values.iterate(v, line)) {
                    Object key = sortKey(attribute == null ? item : attrPath(item, attribute, line), cs);
                    int c = bestKey == null ? 0 : Values.compare(key, bestKey, line);
                    if (best == null || (name.equals("min") ? c < 0 : c > 0)) {
                        best = item;
                        bestKey = key;
                    }
                }
                yield best == null ? new Undefined("No aggregated item, sequence was empty.") : best;
            }
            case "sum" -> {
                Object attribute = arg(a, k, 0, "attribute", null);
                Object total = arg(a, k, 1, "start", 0L);
                for (Object item : Values.iterate(v, line)) {
                    total = Values.binary("+", total, attribute == null ? item : attrPath(item, attribute, line), line);
                }
                yield total;
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (k.containsKey("attribute")) {
                    Object attribute = k.get("attribute");
                    for (Object item : Values.iterate(v, line)) {
                        Object x = attrPath(item, attribute, line);
                        out.add(x instanceof Undefined && k.containsKey("default") ? k.get("default") : x);
                    }
                } else {
                    if (a.isEmpty()) {
                        throw new TemplateException("map requires a filter argument", line);
                    }
                    String filter = Values.str(a.getFirst());
                    List<Object> rest = a.subList(1, a.size());
                    for (Object item : Values.iterate(v, line)) {
                        out.add(apply(in, filter, item, rest, k, line));
                    }
                }
                yield out;
            }
            case "select", "reject" -> {
                boolean keep = name.equals("select");
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v, line)) {
                    boolean t = a.isEmpty() ? Values.truthy(item)
                            : Tests.apply(in, Values.str(a.getFirst()), item, a.subList(1, a.size()), line);
                    if (t == keep) {
                        out.add(item);
                    }
                }
                yield out;
            }
            case "selectattr", "rejectattr" -> {
                boolean keep = name.equals("selectattr");
                if (a.isEmpty()) {
                    throw new TemplateException(name + " requires an attribute name", line);
                }
                List<Object> out = new ArrayList<>();
                for (Object item : Values.iterate(v, line)) {
                    Object x = attrPath(item, a.getFirst(), line);
                    boolean t = a.size() < 2 ? Values.truthy(x)
                            : Tests.apply(in, Values.str(a.get(1)), x, a.subList(2, a.size()), line);
                    if (t == keep) {
                        out.add(item);
                    }
                }
                yield out;
            }
            case "tojson" -> {
                Object indent = arg(a, k, 0, "indent", null);
                Object separators = k.get("separators");
                yield JsonWriter.dumps(v, indent, separators instanceof List<?> l ? l : null,
                        Values.truthy(k.getOrDefault("sort_keys", false)),
                        Values.truthy(k.getOrDefault("ensure_ascii", false)), line);
            }
            case "indent" -> indent(Values.str(v), arg(a, k, 0, "width", 4L), Values.truthy(arg(a, k, 1, "first", false)),
                    Values.truthy(arg(a, k, 2, "blank", false)));
            case "int" -> toInt(v, arg(a, k, 0, "default", 0L), Values.toLong(arg(a, k, 1, "base", 10L)));
            case "float" -> toFloat(v, arg(a, k, 0, "default", 0.0));
            case "abs" -> v instanceof Double d ? (Object) Math.abs(d) : (Object) Math.abs(Values.toLong(v));
            case "round" -> {
                long precision = Values.toLong(arg(a, k, 0, "precision", 0L));
                String method = Values.str(arg(a, k, 1, "method", "common"));
                BigDecimal d = new BigDecimal(Values.toDouble(v));
                RoundingMode mode = switch (method) {
                    case "ceil" -> RoundingMode.CEILING;
                    case "floor" -> RoundingMode.FLOOR;
                    default -> RoundingMode.HALF_EVEN;
                };
                yield d.setScale((int) precision, mode).doubleValue();
            }
            case "wordcount" -> (long) java.util.regex.Pattern.compile("\\w+", java.util.regex.Pattern.UNICODE_CHARACTER_CLASS)
                    .matcher(Values.str(v)).results().count();
            case "attr" -> Values.getAttr(v, Values.str(a.getFirst()), line);
            case "format" -> PyFormat.percent(Values.str(v), new PyTuple(a), line);
            case "pprint" -> Values.repr(v);
            case "center" -> Methods.attribute(Values.str(v), "center").call(List.of(arg(a, k, 0, "width", 80L)), Map.of());
            case "truncate" -> truncate(Values.str(v), Values.toLong(arg(a, k, 0, "length", 255L)),
                    Values.truthy(arg(a, k, 1, "killwords", false)), Values.str(arg(a, k, 2, "end", "...")),
                    arg(a, k, 3, "leeway", null));
            case "batch" -> {
                int size = (int) Values.toLong(a.getFirst());
                Object fill = arg(a, k, 1, "fill_with", null);
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object item : Values.iterate(v, line)) {
                    cur.add(item);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) {
                    if (fill != null) {
                        while (cur.size() < size) {
                            cur.add(fill);
                        }
                    }
                    out.add(cur);
                }
                yield out;
            }
            default -> throw new TemplateException("no filter named '" + name + "'", line);
        };
    }

    private static Object arg(List<Object> a, Map<String, Object> k, int i, String name, Object dflt) {
        if (i < a.size()) {
            return a.get(i);
        }
        return k.containsKey(name) ? k.get(name) : dflt;
    }

    /** {@code attribute="a.b"} or an integer index, looked up item-first as Jinja's {@code make_attrgetter} does. */
    static Object attrPath(Object item, Object attribute, int line) {
        if (!(attribute instanceof String path)) {
            return Values.getItem(item, attribute, line);
        }
        Object cur = item;
        for (String part : path.split("\\.")) {
            Object key = part.chars().allMatch(Character::isDigit) && !part.isEmpty() ? (Object) Long.parseLong(part) : part;
            cur = Values.getItem(cur, key, line);
        }
        return cur;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(java.util.Locale.ROOT) : v;
    }

    /** Jinja2's {@code do_truncate}: cut at a word boundary unless {@code killwords}; {@code leeway} defaults to 5. */
    private static String truncate(String s, long length, boolean killwords, String end, Object leeway) {
        long lee = leeway == null ? 5 : Values.toLong(leeway);
        int[] cps = s.codePoints().toArray();
        if (cps.length <= length + lee) {
            return s;
        }
        int cut = (int) Math.max(0, length - end.codePointCount(0, end.length()));
        String head = new String(cps, 0, Math.min(cut, cps.length));
        if (killwords) {
            return head + end;
        }
        int space = head.lastIndexOf(' ');
        return (space < 0 ? head : head.substring(0, space)) + end;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                .replace("'", "&#39;");
    }

    private static String indent(String s, Object width, boolean first, boolean blank) {
        String ind = width instanceof String w ? w : " ".repeat((int) Values.toLong(width));
        s += "\n";
        List<String> lines = new ArrayList<>(List.of(s.split("\r\n|\r|\n", -1)));
        lines.removeLast();
        String rv;
        if (blank) {
            rv = String.join("\n" + ind, lines);
        } else {
            StringBuilder b = new StringBuilder(lines.isEmpty() ? "" : lines.getFirst());
            for (int i = 1; i < lines.size(); i++) {
                b.append('\n').append(lines.get(i).isEmpty() ? "" : ind + lines.get(i));
            }
            rv = b.toString();
        }
        return first ? ind + rv : rv;
    }

    private static Object toInt(Object v, Object dflt, long base) {
        try {
            return switch (v) {
                case null -> dflt;
                case Long l -> l;
                case Boolean b -> b ? 1L : 0L;
                case Double d -> (long) (double) d;
                case String s -> {
                    String t = s.strip().replace("_", "");
                    try {
                        yield Long.parseLong(t, (int) base);
                    } catch (NumberFormatException e) {
                        yield (long) Double.parseDouble(t);
                    }
                }
                default -> dflt;
            };
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    private static Object toFloat(Object v, Object dflt) {
        try {
            return switch (v) {
                case null -> dflt;
                case Double d -> d;
                case Long l -> (double) l;
                case Boolean b -> b ? 1.0 : 0.0;
                case String s -> Double.parseDouble(s.strip());
                default -> dflt;
            };
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
