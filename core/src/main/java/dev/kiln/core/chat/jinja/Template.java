package dev.kiln.core.chat.jinja;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed Jinja template, rendered the way Hugging Face {@code transformers} renders chat templates: Jinja2
 * with {@code trim_blocks}, {@code lstrip_blocks}, loop controls, the default (lenient) undefined, and the globals
 * {@code raise_exception}, {@code strftime_now}, {@code namespace}, {@code range} and {@code dict}. Parsing
 * happens once; {@link #render} may be called from several threads at once.
 */
public final class Template {
    private final List<Stmt> body;

    private Template(List<Stmt> body) {
        this.body = body;
    }

    /** Parses a template; a syntax error is a {@link TemplateException} naming the line. */
    public static Template parse(String source) {
        return new Template(Parser.parse(source));
    }

    /**
     * Renders with the given variables. Values may be plain Java: strings, numbers, booleans, null, lists,
     * arrays and maps (string keys), nested; they are converted to Python-like values first.
     *
     * @param now the time {@code strftime_now} formats
     */
    public String render(Map<String, ?> variables, LocalDateTime now) {
        Scope root = new Scope(null);
        installGlobals(root, now);
        variables.forEach((k, v) -> root.set(k, fromJava(v)));
        try {
            return new Interpreter(new Scope(root)).render(body);
        } catch (TemplateException e) {
            throw e;
        } catch (StackOverflowError e) {
            throw new TemplateException("template recursion too deep", 0);
        } catch (RuntimeException e) {
            throw new TemplateException("cannot render: " + e, 0);
        }
    }

    private static void installGlobals(Scope root, LocalDateTime now) {
        root.set("raise_exception", (JinjaCallable) (args, kwargs) -> {
            throw TemplateException.raised(args.isEmpty() ? "" : Values.str(args.getFirst()), 0);
        });
        root.set("strftime_now", (JinjaCallable) (args, kwargs) -> Strftime.format(Values.str(args.getFirst()), now));
        root.set("namespace", (JinjaCallable) (args, kwargs) -> {
            Namespace ns = new Namespace();
            for (Object a : args) {
                if (a instanceof Map<?, ?> m) {
                    m.forEach((k, v) -> ns.attributes.put(Values.str(k), v));
                }
            }
            ns.attributes.putAll(kwargs);
            return ns;
        });
        root.set("joiner", (JinjaCallable) (args, kwargs) -> {
            String sep = args.isEmpty() ? Values.str(kwargs.getOrDefault("sep", ", ")) : Values.str(args.getFirst());
            boolean[] used = {false};
            return (JinjaCallable) (a, k) -> {
                if (used[0]) {
                    return sep;
                }
                used[0] = true;
                return "";
            };
        });
        root.set("dict", (JinjaCallable) (args, kwargs) -> {
            Map<Object, Object> m = new LinkedHashMap<>();
            if (!args.isEmpty() && args.getFirst() instanceof Map<?, ?> src) {
                m.putAll(src);
            }
            m.putAll(kwargs);
            return m;
        });
        root.set("range", (JinjaCallable) (args, kwargs) -> {
            long start = 0;
            long stop;
            long step = 1;
            if (args.size() == 1) {
                stop = Values.toLong(args.getFirst());
            } else {
                start = Values.toLong(args.get(0));
                stop = Values.toLong(args.get(1));
                if (args.size() > 2) {
                    step = Values.toLong(args.get(2));
                }
            }
            if (step == 0) {
                throw new TemplateException("range() arg 3 must not be zero", 0);
            }
            List<Object> r = new ArrayList<>();
            for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
                r.add(i);
                if (r.size() > 100_000) {
                    throw new TemplateException("range too big (more than 100000 items)", 0);
                }
            }
            return r;
        });
    }

    /** Converts plain Java values (Integer, Float, arrays, collections, maps) to the template value model. */
    public static Object fromJava(Object v) {
        return switch (v) {
            case null -> null;
            case String s -> s;
            case Boolean b -> b;
            case Long l -> l;
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Double d -> d;
            case Float f -> (double) f;
            case java.math.BigInteger b -> b.longValue();
            case java.math.BigDecimal b -> b.doubleValue();
            case Character c -> String.valueOf(c);
            case Map<?, ?> m -> {
                Map<Object, Object> r = new LinkedHashMap<>();
                m.forEach((k, x) -> r.put(fromJava(k), fromJava(x)));
                yield r;
            }
            case Collection<?> c -> {
                List<Object> r = new ArrayList<>();
                c.forEach(x -> r.add(fromJava(x)));
                yield r;
            }
            case Object[] a -> fromJava(List.of(a));
            default -> v.toString();
        };
    }

    /** Python {@code json.dumps(value, ensure_ascii=False)} of a template value (what {@code tojson} prints). */
    public static String toJson(Object value) {
        return JsonWriter.dumps(fromJava(value));
    }
}
