package dev.kiln.core.chat.jinja;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python semantics over the template value model, as Jinja2 inherits them from Python: {@code null} is None,
 * {@link String} is str (indexed by code point), {@link Long}/{@link Double}/{@link Boolean} are int/float/bool,
 * {@link List} is list ({@link PyTuple} is tuple), {@link Map} (insertion-ordered) is dict, plus {@link Undefined},
 * {@link Namespace}, {@link LoopContext} and {@link JinjaCallable}. Truthiness, {@code str()}, {@code repr()},
 * equality, ordering, arithmetic, {@code in}, indexing and slicing follow CPython.
 */
final class Values {
    private Values() {}

    // ----------------------------------------------------------------------------------------- classification

    static String typeName(Object v) {
        return switch (v) {
            case null -> "NoneType";
            case String s -> "str";
            case Boolean b -> "bool";
            case Long l -> "int";
            case Integer i -> "int";
            case Double d -> "float";
            case PyTuple t -> "tuple";
            case List<?> l -> "list";
            case Map<?, ?> m -> "dict";
            case Undefined u -> "Undefined";
            case Namespace n -> "Namespace";
            case LoopContext l -> "LoopContext";
            case JinjaCallable c -> "function";
            default -> v.getClass().getSimpleName();
        };
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Boolean;
    }

    static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    static long toLong(Object v) {
        return switch (v) {
            case Long l -> l;
            case Integer i -> i;
            case Boolean b -> b ? 1 : 0;
            default -> throw new IllegalArgumentException("not an int: " + typeName(v));
        };
    }

    static double toDouble(Object v) {
        return v instanceof Double d ? d : toLong(v);
    }

    /** Python whitespace ({@code str.isspace}) for one UTF-16 unit. */
    static boolean isPySpace(char c) {
        return switch (c) {
            case ' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u001c', '\u001d', '\u001e', '\u001f', '\u0085', '\u00a0',
                 '\u1680', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200a';
        };
    }

    // ----------------------------------------------------------------------------------------- truth, str, repr

    static boolean truthy(Object v) {
        return switch (v) {
            case null -> false;
            case Boolean b -> b;
            case Long l -> l != 0;
            case Integer i -> i != 0;
            case Double d -> d != 0.0;
            case String s -> !s.isEmpty();
            case List<?> l -> !l.isEmpty();
            case Map<?, ?> m -> !m.isEmpty();
            case Undefined u -> false;
            default -> true;
        };
    }

    /** Python {@code str(v)}, with Jinja's undefined printing as the empty string. */
    static String str(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> s;
            case Boolean b -> b ? "True" : "False";
            case Double d -> floatRepr(d);
            case Undefined u -> "";
            case List<?> l -> repr(l);
            case Map<?, ?> m -> repr(m);
            default -> v.toString();
        };
    }

    /** Python {@code repr(v)}. */
    static String repr(Object v) {
        return switch (v) {
            case null -> "None";
            case String s -> stringRepr(s);
            case PyTuple t -> {
                StringBuilder b = new StringBuilder("(");
                for (int i = 0; i < t.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(t.get(i)));
                }
                yield b.append(t.size() == 1 ? ",)" : ")").toString();
            }
            case List<?> l -> {
                StringBuilder b = new StringBuilder("[");
                for (int i = 0; i < l.size(); i++) {
                    b.append(i > 0 ? ", " : "").append(repr(l.get(i)));
                }
                yield b.append(']').toString();
            }
            case Map<?, ?> m -> {
                StringBuilder b = new StringBuilder("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    b.append(first ? "" : ", ").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
                    first = false;
                }
                yield b.append('}').toString();
            }
            case Undefined u -> "Undefined";
            default -> str(v);
        };
    }

    private static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder b = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                b.append("\\n");
            } else if (cp == '\r') {
                b.append("\\r");
            } else if (cp == '\t') {
                b.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
                b.append(String.format("\\x%02x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        });
        return b.append(quote).toString();
    }

    /** Python's {@code repr(float)}: the shortest digits that round-trip, fixed notation for 1e-4 &lt;= |x| &lt; 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale();
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                b.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                b.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                b.append(digits, 0, decpt).append('.').append(digits.substring(decpt));
            }
        } else {
            b.append(digits.charAt(0));
            if (digits.length() > 1) {
                b.append('.').append(digits.substring(1));
            }
            int exp = decpt - 1;
            b.append('e').append(exp < 0 ? '-' : '+').append(String.format("%02d", Math.abs(exp)));
        }
        return b.toString();
    }

    // ----------------------------------------------------------------------------------------- equality, ordering

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            return (a instanceof Double || b instanceof Double) ? toDouble(a) == toDouble(b) : toLong(a) == toLong(b);
        }
        if (a instanceof String sa && b instanceof String sb) {
            return sa.equals(sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object key = findKey(mb, e.getKey());
                if (key == MISSING || !eq(e.getValue(), mb.get(key))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return a.equals(b);
    }

    private static final Object MISSING = new Object();
    /** Bound on {@code str * n} and {@code list * n} results: a template from a model file must not exhaust memory. */
    private static final long MAX_REPEAT = 50_000_000;

    /** The key of {@code m} equal (Python-wise) to {@code key}, or {@link #MISSING}. */
    private static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) {
            return key;
        }
        for (Object k : m.keySet()) {
            if (eq(k, key)) {
                return k;
            }
        }
        return MISSING;
    }

    static int compare(Object a, Object b, int line) {
        if (isNumber(a) && isNumber(b)) {
            return (a instanceof Double || b instanceof Double)
                    ? Double.compare(toDouble(a), toDouble(b)) : Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), line);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Undefined u) {
            throw u.error(line);
        }
        if (b instanceof Undefined u) {
            throw u.error(line);
        }
        throw new TemplateException("'<' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'", line);
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    // ----------------------------------------------------------------------------------------- arithmetic

    static Object binary(String op, Object a, Object b, int line) {
        if (a instanceof Undefined u) {
            throw u.error(line);
        }
        if (b instanceof Undefined u) {
            throw u.error(line);
        }
        if (isNumber(a) && isNumber(b)) {
            boolean fl = a instanceof Double || b instanceof Double;
            switch (op) {
                case "+":
                    return fl ? (Object) (toDouble(a) + toDouble(b)) : (Object) Math.addExact(toLong(a), toLong(b));
                case "-":
                    return fl ? (Object) (toDouble(a) - toDouble(b)) : (Object) Math.subtractExact(toLong(a), toLong(b));
                case "*":
                    return fl ? (Object) (toDouble(a) * toDouble(b)) : (Object) Math.multiplyExact(toLong(a), toLong(b));
                case "/":
                    if (toDouble(b) == 0) {
                        throw new TemplateException("division by zero", line);
                    }
                    return toDouble(a) / toDouble(b);
                case "//":
                    if (toDouble(b) == 0) {
                        throw new TemplateException("integer division or modulo by zero", line);
                    }
                    return fl ? (Object) Math.floor(toDouble(a) / toDouble(b)) : (Object) Math.floorDiv(toLong(a), toLong(b));
                case "%":
                    if (toDouble(b) == 0) {
                        throw new TemplateException("integer division or modulo by zero", line);
                    }
                    if (fl) {
                        double x = toDouble(a);
                        double y = toDouble(b);
                        double r = x % y;
                        return (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
                    }
                    return Math.floorMod(toLong(a), toLong(b));
                case "**":
                    if (!fl && toLong(b) >= 0) {
                        long base = toLong(a);
                        if (Math.abs(base) > 1 && toLong(b) > 63) {
                            throw new ArithmeticException("integer overflow");
                        }
                        return java.math.BigInteger.valueOf(base).pow((int) Math.min(toLong(b), 64)).longValueExact();
                    }
                    return Math.pow(toDouble(a), toDouble(b));
                default:
                    break;
            }
        }
        if (op.equals("+")) {
            if (a instanceof String sa && b instanceof String sb) {
                return sa + sb;
            }
            if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
                List<Object> r = new ArrayList<>(la);
                r.addAll(lb);
                return a instanceof PyTuple ? new PyTuple(r) : r;
            }
            if (a instanceof String) {
                throw new TemplateException("can only concatenate str (not \"" + typeName(b) + "\") to str", line);
            }
        }
        if (op.equals("*")) {
            long times = isInt(b) ? toLong(b) : isInt(a) ? toLong(a) : 0;
            long unit = a instanceof String s ? s.length() : b instanceof String s ? s.length()
                    : a instanceof List<?> l ? l.size() : b instanceof List<?> l ? l.size() : 0;
            if (times > 0 && unit > 0 && times > MAX_REPEAT / unit) {
                throw new TemplateException("repetition result too large (over " + MAX_REPEAT + " items)", line);
            }
            if (a instanceof String s && isInt(b)) {
                return s.repeat((int) Math.max(0, toLong(b)));
            }
            if (b instanceof String s && isInt(a)) {
                return s.repeat((int) Math.max(0, toLong(a)));
            }
            if ((a instanceof List<?> && isInt(b)) || (b instanceof List<?> && isInt(a))) {
                List<?> l = (List<?>) (a instanceof List<?> ? a : b);
                List<Object> r = new ArrayList<>();
                for (long i = 0; i < times; i++) {
                    r.addAll(l);
                }
                return l instanceof PyTuple ? new PyTuple(r) : r;
            }
        }
        if (op.equals("%") && a instanceof String fmt) {
            return PyFormat.percent(fmt, b, line);
        }
        throw new TemplateException("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '"
                + typeName(b) + "'", line);
    }

    static boolean contains(Object container, Object item, int line) {
        return switch (container) {
            case null -> throw new TemplateException("argument of type 'NoneType' is not iterable", line);
            case String s -> {
                if (!(item instanceof String sub)) {
                    throw new TemplateException("'in <string>' requires string as left operand, not "
                            + typeName(item), line);
                }
                yield s.contains(sub);
            }
            case List<?> l -> {
                for (Object o : l) {
                    if (eq(o, item)) {
                        yield true;
                    }
                }
                yield false;
            }
            case Map<?, ?> m -> findKey(m, item) != MISSING;
            case Undefined u -> false;
            case Namespace n -> n.attributes.containsKey(item);
            default -> throw new TemplateException("argument of type '" + typeName(container) + "' is not iterable", line);
        };
    }

    // ----------------------------------------------------------------------------------------- length, iteration

    static int length(Object v, int line) {
        return switch (v) {
            case null -> throw new TemplateException("object of type 'NoneType' has no len()", line);
            case String s -> s.codePointCount(0, s.length());
            case List<?> l -> l.size();
            case Map<?, ?> m -> m.size();
            case Undefined u -> 0;
            default -> throw new TemplateException("object of type '" + typeName(v) + "' has no len()", line);
        };
    }

    /** The items {@code for x in v} visits: list items, dict keys, the characters of a string. */
    static List<Object> iterate(Object v, int line) {
        return switch (v) {
            case null -> throw new TemplateException("'NoneType' object is not iterable", line);
            case List<?> l -> new ArrayList<>(l);
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case String s -> {
                List<Object> chars = new ArrayList<>();
                s.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
                yield chars;
            }
            case Undefined u -> new ArrayList<>();
            case Namespace n -> throw new TemplateException("'Namespace' object is not iterable", line);
            default -> throw new TemplateException("'" + typeName(v) + "' object is not iterable", line);
        };
    }

    // ----------------------------------------------------------------------------------------- item and attribute access

    /** Jinja's {@code environment.getitem}: {@code obj[key]}, falling back to the attribute for a string key. */
    static Object getItem(Object obj, Object key, int line) {
        if (obj == null) {
            return Undefined.attribute(null, key);
        }
        if (obj instanceof Undefined u) {
            throw u.error(line);
        }
        if (key instanceof SliceValue sl) {
            return slice(obj, sl, line);
        }
        switch (obj) {
            case Map<?, ?> m -> {
                Object k = findKey(m, key);
                if (k != MISSING) {
                    return m.get(k);
                }
            }
            case List<?> l -> {
                if (isInt(key)) {
                    long i = toLong(key);
                    if (i < 0) {
                        i += l.size();
                    }
                    return i >= 0 && i < l.size() ? l.get((int) i) : new Undefined(typeName(obj) + " object has no element " + key);
                }
            }
            case String s -> {
                if (isInt(key)) {
                    int[] cps = s.codePoints().toArray();
                    long i = toLong(key);
                    if (i < 0) {
                        i += cps.length;
                    }
                    return i >= 0 && i < cps.length ? new String(cps, (int) i, 1) : new Undefined("str object has no element " + key);
                }
            }
            case LoopContext loop -> {
                if (key instanceof String name) {
                    return loop.attribute(name);
                }
            }
            case Namespace ns -> {
                if (key instanceof String name && ns.attributes.containsKey(name)) {
                    return ns.attributes.get(name);
                }
            }
            default -> { }
        }
        if (key instanceof String name) {
            Object attr = Methods.attribute(obj, name);
            if (attr instanceof Methods.Unsafe u) {
                return new Undefined(u.message());
            }
            if (attr != null) {
                return attr;
            }
        }
        return Undefined.attribute(obj, key);
    }

    /** Jinja's {@code environment.getattr}: {@code obj.name}, the attribute (method) first, then the item. */
    static Object getAttr(Object obj, String name, int line) {
        if (obj == null) {
            return Undefined.attribute(null, name);
        }
        if (obj instanceof Undefined u) {
            throw u.error(line);
        }
        switch (obj) {
            case Namespace ns -> {
                return ns.attributes.containsKey(name) ? ns.attributes.get(name) : Undefined.attribute(obj, name);
            }
            case LoopContext loop -> {
                return loop.attribute(name);
            }
            default -> { }
        }
        Object attr = Methods.attribute(obj, name);
        if (attr instanceof Methods.Unsafe u) {
            return new Undefined(u.message());
        }
        if (attr != null) {
            return attr;
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = findKey(m, name);
            if (k != MISSING) {
                return m.get(k);
            }
        }
        return Undefined.attribute(obj, name);
    }

    /** A slice key {@code [start:stop:step]}; null parts are omitted. */
    record SliceValue(Object start, Object stop, Object step) { }

    static Object slice(Object obj, SliceValue sl, int line) {
        int n;
        int[] cps = null;
        if (obj instanceof String s) {
            cps = s.codePoints().toArray();
            n = cps.length;
        } else if (obj instanceof List<?> l) {
            n = l.size();
        } else {
            throw new TemplateException("'" + typeName(obj) + "' object is not subscriptable", line);
        }
        long step = sl.step() == null ? 1 : toLong(sl.step());
        if (step == 0) {
            throw new TemplateException("slice step cannot be zero", line);
        }
        long start;
        long stop;
        if (step > 0) {
            start = sl.start() == null ? 0 : clamp(toLong(sl.start()), n, 0, n);
            stop = sl.stop() == null ? n : clamp(toLong(sl.stop()), n, 0, n);
        } else {
            start = sl.start() == null ? n - 1 : clamp(toLong(sl.start()), n, -1, n - 1);
            stop = sl.stop() == null ? -1 : clamp(toLong(sl.stop()), n, -1, n - 1);
        }
        List<Integer> idx = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            idx.add((int) i);
        }
        if (cps != null) {
            StringBuilder b = new StringBuilder();
            for (int i : idx) {
                b.appendCodePoint(cps[i]);
            }
            return b.toString();
        }
        List<?> l = (List<?>) obj;
        List<Object> r = new ArrayList<>();
        for (int i : idx) {
            r.add(l.get(i));
        }
        return obj instanceof PyTuple ? new PyTuple(r) : r;
    }

    private static long clamp(long i, int n, long lo, long hi) {
        if (i < 0) {
            i += n;
        }
        return Math.max(lo, Math.min(hi, i));
    }
}
