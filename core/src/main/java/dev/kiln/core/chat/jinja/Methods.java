package dev.kiln.core.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python methods templates call on values: {@code str} ({@code strip}, {@code split}, {@code startswith},
 * {@code replace}, ...), {@code dict} ({@code get}, {@code items}, {@code keys}, {@code values}) and {@code list}
 * ({@code index}, {@code count}). Mutating methods are refused, as in Hugging Face's immutable sandbox.
 */
final class Methods {
    private Methods() {}

    /** The bound method {@code obj.name}, or null when the value has no such method. */
    static JinjaCallable attribute(Object obj, String name) {
        return switch (obj) {
            case String s -> stringMethod(s, name);
            case Map<?, ?> m -> dictMethod(m, name);
            case List<?> l -> listMethod(l, name);
            case null, default -> null;
        };
    }

    private static Object arg(List<Object> args, Map<String, Object> kwargs, int i, String name, Object dflt) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kwargs.containsKey(name) ? kwargs.get(name) : dflt;
    }

    private static String stringArg(Object v, String method) {
        if (v instanceof String s) {
            return s;
        }
        throw new TemplateException(method + "() argument must be str, not " + Values.typeName(v), 0);
    }

    private static JinjaCallable stringMethod(String s, String name) {
        return switch (name) {
            case "strip" -> (a, k) -> strip(s, arg(a, k, 0, "chars", null), true, true);
            case "lstrip" -> (a, k) -> strip(s, arg(a, k, 0, "chars", null), true, false);
            case "rstrip" -> (a, k) -> strip(s, arg(a, k, 0, "chars", null), false, true);
            case "split" -> (a, k) -> split(s, arg(a, k, 0, "sep", null), arg(a, k, 1, "maxsplit", -1L));
            case "rsplit" -> (a, k) -> rsplit(s, arg(a, k, 0, "sep", null), arg(a, k, 1, "maxsplit", -1L));
            case "splitlines" -> (a, k) -> {
                List<Object> lines = new ArrayList<>(List.of((Object[]) s.split("\r\n|\r|\n", -1)));
                if (!lines.isEmpty() && lines.getLast().equals("")) {
                    lines.removeLast();
                }
                return lines;
            };
            case "startswith" -> (a, k) -> affix(s, arg(a, k, 0, "prefix", null), true);
            case "endswith" -> (a, k) -> affix(s, arg(a, k, 0, "suffix", null), false);
            case "replace" -> (a, k) -> replace(s, stringArg(arg(a, k, 0, "old", null), "replace"),
                    stringArg(arg(a, k, 1, "new", null), "replace"), Values.toLong(arg(a, k, 2, "count", -1L)));
            case "upper" -> (a, k) -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> (a, k) -> s.toLowerCase(java.util.Locale.ROOT);
            case "title" -> (a, k) -> title(s);
            case "capitalize" -> (a, k) -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "swapcase" -> (a, k) -> {
                StringBuilder b = new StringBuilder();
                s.codePoints().forEach(cp -> b.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.toUpperCase(cp)));
                return b.toString();
            };
            case "find" -> (a, k) -> (long) cpIndex(s, s.indexOf(stringArg(a.getFirst(), "find")));
            case "rfind" -> (a, k) -> (long) cpIndex(s, s.lastIndexOf(stringArg(a.getFirst(), "rfind")));
            case "index" -> (a, k) -> {
                int i = s.indexOf(stringArg(a.getFirst(), "index"));
                if (i < 0) {
                    throw new TemplateException("substring not found", 0);
                }
                return (long) cpIndex(s, i);
            };
            case "count" -> (a, k) -> {
                String sub = stringArg(a.getFirst(), "count");
                if (sub.isEmpty()) {
                    return (long) s.codePointCount(0, s.length()) + 1;
                }
                long n = 0;
                for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            };
            case "join" -> (a, k) -> {
                StringBuilder b = new StringBuilder();
                List<Object> items = Values.iterate(a.getFirst(), 0);
                for (int i = 0; i < items.size(); i++) {
                    b.append(i > 0 ? s : "").append(stringArg(items.get(i), "join"));
                }
                return b.toString();
            };
            case "isdigit" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isnumeric", "isdecimal" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> (a, k) -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> (a, k) -> !s.isEmpty() && s.chars().allMatch(c -> Values.isPySpace((char) c));
            case "isupper" -> (a, k) -> s.codePoints().anyMatch(Character::isUpperCase)
                    && s.codePoints().noneMatch(Character::isLowerCase);
            case "islower" -> (a, k) -> s.codePoints().anyMatch(Character::isLowerCase)
                    && s.codePoints().noneMatch(Character::isUpperCase);
            case "zfill" -> (a, k) -> {
                int w = (int) Values.toLong(a.getFirst());
                int n = s.codePointCount(0, s.length());
                if (n >= w) {
                    return s;
                }
                boolean sign = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+');
                return (sign ? s.substring(0, 1) : "") + "0".repeat(w - n) + (sign ? s.substring(1) : s);
            };
            case "ljust", "rjust", "center" -> (a, k) -> {
                int w = (int) Values.toLong(a.getFirst());
                String fill = a.size() > 1 ? stringArg(a.get(1), name) : " ";
                int pad = w - s.codePointCount(0, s.length());
                if (pad <= 0) {
                    return s;
                }
                return switch (name) {
                    case "ljust" -> s + fill.repeat(pad);
                    case "rjust" -> fill.repeat(pad) + s;
                    default -> {
                        int left = pad / 2 + (pad & w & 1);
                        yield fill.repeat(left) + s + fill.repeat(pad - left);
                    }
                };
            };
            case "partition" -> (a, k) -> {
                String sep = stringArg(a.getFirst(), "partition");
                int i = s.indexOf(sep);
                return i < 0 ? PyTuple.of(s, "", "") : PyTuple.of(s.substring(0, i), sep, s.substring(i + sep.length()));
            };
            case "format" -> (a, k) -> format(s, a, k);
            default -> null;
        };
    }

    private static int cpIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    static String strip(String s, Object chars, boolean left, boolean right) {
        java.util.function.IntPredicate strip;
        if (chars == null) {
            strip = c -> c < 0x10000 && Values.isPySpace((char) c);
        } else {
            String set = stringArg(chars, "strip");
            strip = c -> set.indexOf(Character.toString(c)) >= 0;
        }
        int[] cps = s.codePoints().toArray();
        int i = 0;
        int j = cps.length;
        while (left && i < j && strip.test(cps[i])) {
            i++;
        }
        while (right && j > i && strip.test(cps[j - 1])) {
            j--;
        }
        return new String(cps, i, j - i);
    }

    static List<Object> split(String s, Object sep, Object maxsplitObj) {
        long maxsplit = Values.toLong(maxsplitObj);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Values.isPySpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() >= maxsplit) {
                    int j = n;
                    while (j > i && Values.isPySpace(s.charAt(j - 1))) {
                        j--;
                    }
                    out.add(s.substring(i, j));
                    break;
                }
                int j = i;
                while (j < n && !Values.isPySpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        String d = stringArg(sep, "split");
        if (d.isEmpty()) {
            throw new TemplateException("empty separator", 0);
        }
        int start = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int i = s.indexOf(d, start);
            if (i < 0) {
                break;
            }
            out.add(s.substring(start, i));
            start = i + d.length();
        }
        out.add(s.substring(start));
        return out;
    }

    private static List<Object> rsplit(String s, Object sep, Object maxsplitObj) {
        long maxsplit = Values.toLong(maxsplitObj);
        if (maxsplit < 0 || sep == null) {
            return split(s, sep, maxsplitObj);
        }
        String d = stringArg(sep, "rsplit");
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int i = s.lastIndexOf(d, end - d.length());
            if (i < 0) {
                break;
            }
            out.addFirst(s.substring(i + d.length(), end));
            end = i;
        }
        out.addFirst(s.substring(0, end));
        return out;
    }

    private static boolean affix(String s, Object arg, boolean prefix) {
        if (arg instanceof List<?> options) {
            for (Object o : options) {
                if (affix(s, o, prefix)) {
                    return true;
                }
            }
            return false;
        }
        String a = stringArg(arg, prefix ? "startswith" : "endswith");
        return prefix ? s.startsWith(a) : s.endsWith(a);
    }

    private static String replace(String s, String old, String replacement, long count) {
        if (count < 0) {
            count = Long.MAX_VALUE;
        }
        StringBuilder b = new StringBuilder();
        long n = 0;
        if (old.isEmpty()) {
            int[] cps = s.codePoints().toArray();
            for (int i = 0; i <= cps.length; i++) {
                if (n++ < count) {
                    b.append(replacement);
                }
                if (i < cps.length) {
                    b.appendCodePoint(cps[i]);
                }
            }
            return b.toString();
        }
        int start = 0;
        for (int i = s.indexOf(old); i >= 0 && n < count; i = s.indexOf(old, start), n++) {
            b.append(s, start, i).append(replacement);
            start = i + old.length();
        }
        return b.append(s.substring(start)).toString();
    }

    static String title(String s) {
        StringBuilder b = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            b.appendCodePoint(prevCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp));
            prevCased = Character.isLetter(cp);
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    /** {@code str.format} with {@code {}}, {@code {0}} and {@code {name}} fields (no format specs). */
    private static String format(String s, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                b.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                b.append('}');
                i++;
            } else if (c == '{') {
                int j = s.indexOf('}', i);
                if (j < 0) {
                    throw new TemplateException("Single '{' encountered in format string", 0);
                }
                String field = s.substring(i + 1, j);
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    field = field.substring(0, colon);
                }
                Object v;
                if (field.isEmpty()) {
                    v = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    v = args.get(Integer.parseInt(field));
                } else {
                    v = kwargs.get(field);
                }
                b.append(Values.str(v));
                i = j;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static JinjaCallable dictMethod(Map<?, ?> m, String name) {
        return switch (name) {
            case "get" -> (a, k) -> {
                Object key = arg(a, k, 0, "key", null);
                Object dflt = arg(a, k, 1, "default", null);
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (Values.eq(e.getKey(), key)) {
                        return e.getValue();
                    }
                }
                return dflt;
            };
            case "items" -> (a, k) -> {
                List<Object> items = new ArrayList<>();
                m.forEach((key, v) -> items.add(PyTuple.of(key, v)));
                return items;
            };
            case "keys" -> (a, k) -> new ArrayList<Object>(m.keySet());
            case "values" -> (a, k) -> new ArrayList<Object>(m.values());
            case "copy" -> (a, k) -> new LinkedHashMap<Object, Object>(m);
            case "update", "pop", "popitem", "setdefault", "clear" -> unsafe(name, "dict");
            default -> null;
        };
    }

    private static JinjaCallable listMethod(List<?> l, String name) {
        return switch (name) {
            case "index" -> (a, k) -> {
                for (int i = 0; i < l.size(); i++) {
                    if (Values.eq(l.get(i), a.getFirst())) {
                        return (long) i;
                    }
                }
                throw new TemplateException(Values.repr(a.getFirst()) + " is not in list", 0);
            };
            case "count" -> (a, k) -> l.stream().filter(o -> Values.eq(o, a.getFirst())).count();
            case "copy" -> (a, k) -> new ArrayList<Object>(l);
            case "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse" ->
                    unsafe(name, Values.typeName(l));
            default -> null;
        };
    }

    /** A mutating method: the immutable sandbox makes it undefined, and calling it says why. */
    record Unsafe(String message) implements JinjaCallable {
        @Override
        public Object call(List<Object> args, Map<String, Object> kwargs) {
            throw new TemplateException(message, 0);
        }
    }

    private static JinjaCallable unsafe(String name, String type) {
        return new Unsafe("access to attribute '" + name + "' of '" + type + "' object is unsafe.");
    }
}
