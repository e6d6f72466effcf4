package dev.kiln.core.chat.jinja;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Walks the AST and writes the output, evaluating expressions with {@link Values}' Python semantics. One
 * instance renders one template once; it is not thread-safe (a {@link Template} creates one per render).
 */
final class Interpreter {
    /** {@code {% break %}} / {@code {% continue %}} unwinding to the innermost loop. */
    private static final class LoopSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean isBreak;

        LoopSignal(boolean isBreak) {
            super(null, null, false, false);
            this.isBreak = isBreak;
        }
    }

    private static final LoopSignal BREAK = new LoopSignal(true);
    private static final LoopSignal CONTINUE = new LoopSignal(false);

    private StringBuilder out = new StringBuilder();
    private Scope scope;

    Interpreter(Scope root) {
        this.scope = root;
    }

    String render(List<Stmt> body) {
        exec(body);
        return out.toString();
    }

    private String capture(List<Stmt> body, Scope frame) {
        StringBuilder saved = out;
        Scope savedScope = scope;
        out = new StringBuilder();
        scope = frame;
        try {
            exec(body);
            return out.toString();
        } finally {
            out = saved;
            scope = savedScope;
        }
    }

    // ----------------------------------------------------------------------------------------- statements

    void exec(List<Stmt> body) {
        for (Stmt s : body) {
            exec(s);
        }
    }

    private void exec(Stmt stmt) {
        switch (stmt) {
            case Stmt.Text t -> out.append(t.text());
            case Stmt.Output o -> out.append(Values.str(eval(o.value())));
            case Stmt.If s -> {
                for (int i = 0; i < s.conditions().size(); i++) {
                    if (Values.truthy(eval(s.conditions().get(i)))) {
                        exec(s.bodies().get(i));
                        return;
                    }
                }
                exec(s.elseBody());
            }
            case Stmt.For f -> execFor(f);
            case Stmt.Set s -> execSet(s);
            case Stmt.SetBlock s -> {
                String text = capture(s.body(), new Scope(scope));
                Object value = s.filter() == null ? text : applyPlaceholder(s.filter(), text);
                scope.set(s.target(), value);
            }
            case Stmt.Macro m -> scope.set(m.name(), macro(m.name(), m.params(), m.defaults(), m.body(), scope));
            case Stmt.CallBlock c -> {
                JinjaCallable caller = macro("caller", c.params(), c.defaults(), c.body(), scope);
                Expr.Call call = (Expr.Call) c.call();
                Object fn = eval(call.fn());
                List<Object> args = new ArrayList<>();
                for (Expr a : call.args()) {
                    args.add(eval(a));
                }
                Map<String, Object> kwargs = evalKwargs(call.kwargs());
                kwargs.put("caller", caller);
                out.append(Values.str(invoke(fn, args, kwargs, c.line())));
            }
            case Stmt.FilterBlock fb -> out.append(Values.str(applyPlaceholder(fb.filter(), capture(fb.body(), scope))));
            case Stmt.With w -> {
                Scope frame = new Scope(scope);
                for (int i = 0; i < w.names().size(); i++) {
                    frame.set(w.names().get(i), eval(w.values().get(i)));
                }
                Scope saved = scope;
                scope = frame;
                try {
                    exec(w.body());
                } finally {
                    scope = saved;
                }
            }
            case Stmt.Generation g -> exec(g.body());
            case Stmt.Break b -> throw BREAK;
            case Stmt.Continue c -> throw CONTINUE;
        }
    }

    /** Evaluates a filter chain whose innermost value is the {@code Expr.Name("")} placeholder. */
    private Object applyPlaceholder(Expr filter, Object value) {
        Scope frame = new Scope(scope);
        frame.set("", value);
        Scope saved = scope;
        scope = frame;
        try {
            return eval(filter);
        } finally {
            scope = saved;
        }
    }

    private void execFor(Stmt.For f) {
        out.append(runLoop(f, eval(f.iter()), 0, false));
    }

    /**
     * Runs a for loop over {@code iterable}; returns "" after writing to the current output, or (for
     * {@code loop(...)} in a recursive loop) the captured output.
     */
    private String runLoop(Stmt.For f, Object iterable, int depth0, boolean captureOutput) {
        List<Object> items = Values.iterate(iterable, f.line());
        StringBuilder savedOut = out;
        if (captureOutput) {
            out = new StringBuilder();
        }
        Scope frame = new Scope(scope);
        Scope saved = scope;
        scope = frame;
        try {
            if (f.filter() != null) {
                List<Object> kept = new ArrayList<>();
                for (Object item : items) {
                    bindTargets(f.targets(), item, f.line());
                    if (Values.truthy(eval(f.filter()))) {
                        kept.add(item);
                    }
                }
                items = kept;
            }
            JinjaCallable recurse = f.recursive()
                    ? (args, kwargs) -> runLoop(f, args.isEmpty() ? List.of() : args.getFirst(), depth0 + 1, true)
                    : null;
            LoopContext loop = new LoopContext(items, depth0, recurse);
            for (int i = 0; i < items.size(); i++) {
                loop.index0 = i;
                // Jinja2 starts every iteration from the enclosing values: a set in one iteration is not seen by the next.
                scope = new Scope(saved);
                bindTargets(f.targets(), items.get(i), f.line());
                scope.set("loop", loop);
                try {
                    exec(f.body());
                } catch (LoopSignal signal) {
                    if (signal.isBreak) {
                        break;
                    }
                }
            }
            scope = saved;
            if (items.isEmpty()) {
                exec(f.elseBody());
            }
            return captureOutput ? out.toString() : "";
        } finally {
            scope = saved;
            out = savedOut;
        }
    }

    private void bindTargets(List<String> targets, Object item, int line) {
        if (targets.size() == 1) {
            scope.set(targets.getFirst(), item);
            return;
        }
        List<Object> parts = Values.iterate(item, line);
        if (parts.size() != targets.size()) {
            throw new TemplateException((parts.size() < targets.size() ? "not enough" : "too many")
                    + " values to unpack (expected " + targets.size() + ", got " + parts.size() + ")", line);
        }
        for (int i = 0; i < targets.size(); i++) {
            scope.set(targets.get(i), parts.get(i));
        }
    }

    private void execSet(Stmt.Set s) {
        Object value = eval(s.value());
        if (s.namespaceAttr() != null) {
            Object target = scope.lookup(s.targets().getFirst());
            if (!(target instanceof Namespace ns)) {
                throw new TemplateException("cannot assign attribute on non-namespace object", s.line());
            }
            ns.attributes.put(s.namespaceAttr(), value);
            return;
        }
        bindTargets(s.targets(), value, s.line());
    }

    private JinjaCallable macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Scope closure) {
        return (args, kwargs) -> {
            Scope frame = new Scope(closure);
            Map<String, Object> extraKw = new LinkedHashMap<>(kwargs);
            for (int i = 0; i < params.size(); i++) {
                String p = params.get(i);
                Object v;
                if (i < args.size()) {
                    v = args.get(i);
                } else if (extraKw.containsKey(p)) {
                    v = extraKw.remove(p);
                } else if (defaults.get(i) != null) {
                    Scope saved = scope;
                    scope = frame;
                    try {
                        v = eval(defaults.get(i));
                    } finally {
                        scope = saved;
                    }
                } else {
                    v = new Undefined("parameter '" + p + "' was not provided");
                }
                frame.set(p, v);
            }
            frame.set("varargs", new PyTuple(args.size() > params.size() ? args.subList(params.size(), args.size())
                    : List.of()));
            if (extraKw.containsKey("caller")) {
                frame.set("caller", extraKw.remove("caller"));
            }
            frame.set("kwargs", extraKw);
            return capture(body, frame);
        };
    }

    // ----------------------------------------------------------------------------------------- expressions

    Object eval(Expr e) {
        return switch (e) {
            case Expr.Const c -> c.value();
            case Expr.Name n -> {
                Object v = scope.lookup(n.name());
                yield v == Scope.MISSING ? Undefined.named(n.name()) : v;
            }
            case Expr.GetAttr g -> Values.getAttr(eval(g.obj()), g.name(), g.line());
            case Expr.GetItem g -> Values.getItem(eval(g.obj()), eval(g.key()), g.line());
            case Expr.Slice s -> new Values.SliceValue(evalOpt(s.start()), evalOpt(s.stop()), evalOpt(s.step()));
            case Expr.Call c -> {
                Object fn = eval(c.fn());
                List<Object> args = new ArrayList<>();
                for (Expr a : c.args()) {
                    args.add(eval(a));
                }
                yield invoke(fn, args, evalKwargs(c.kwargs()), c.line());
            }
            case Expr.Filter f -> {
                Object value = eval(f.value());
                List<Object> args = new ArrayList<>();
                for (Expr a : f.args()) {
                    args.add(eval(a));
                }
                try {
                    yield Filters.apply(this, f.name(), value, args, evalKwargs(f.kwargs()), f.line());
                } catch (TemplateException ex) {
                    throw ex.line() > 0 ? ex : new TemplateException(ex.getMessage(), f.line());
                } catch (RuntimeException ex) {
                    throw new TemplateException("filter '" + f.name() + "': " + ex, f.line());
                }
            }
            case Expr.Test t -> {
                Object value = eval(t.value());
                List<Object> args = new ArrayList<>();
                for (Expr a : t.args()) {
                    args.add(eval(a));
                }
                try {
                    yield Tests.apply(this, t.name(), value, args, t.line());
                } catch (TemplateException ex) {
                    throw ex;
                } catch (RuntimeException ex) {
                    throw new TemplateException("test '" + t.name() + "': " + ex, t.line());
                }
            }
            case Expr.Unary u -> {
                Object v = eval(u.operand());
                yield switch (u.op()) {
                    case "not" -> !Values.truthy(v);
                    case "-" -> {
                        if (v instanceof Double d) {
                            yield -d;
                        }
                        if (Values.isInt(v)) {
                            yield -Values.toLong(v);
                        }
                        if (v instanceof Undefined und) {
                            throw und.error(u.line());
                        }
                        throw new TemplateException("bad operand type for unary -: '" + Values.typeName(v) + "'", u.line());
                    }
                    default -> v;
                };
            }
            case Expr.Binary b -> switch (b.op()) {
                case "and" -> {
                    Object l = eval(b.left());
                    yield Values.truthy(l) ? eval(b.right()) : l;
                }
                case "or" -> {
                    Object l = eval(b.left());
                    yield Values.truthy(l) ? l : eval(b.right());
                }
                case "~" -> Values.str(eval(b.left())) + Values.str(eval(b.right()));
                default -> {
                    try {
                        yield Values.binary(b.op(), eval(b.left()), eval(b.right()), b.line());
                    } catch (ArithmeticException ex) {
                        throw new TemplateException("integer overflow", b.line());
                    }
                }
            };
            case Expr.Compare c -> {
                Object left = eval(c.first());
                boolean result = true;
                for (int i = 0; i < c.ops().size() && result; i++) {
                    Object right = eval(c.rest().get(i));
                    result = switch (c.ops().get(i)) {
                        case "==" -> Values.eq(left, right);
                        case "!=" -> !Values.eq(left, right);
                        case "<" -> Values.compare(left, right, c.line()) < 0;
                        case "<=" -> Values.compare(left, right, c.line()) <= 0;
                        case ">" -> Values.compare(left, right, c.line()) > 0;
                        case ">=" -> Values.compare(left, right, c.line()) >= 0;
                        case "in" -> Values.contains(right, left, c.line());
                        default -> !Values.contains(right, left, c.line());
                    };
                    left = right;
                }
                yield result;
            }
            case Expr.Cond c -> Values.truthy(eval(c.test())) ? eval(c.then())
                    : c.otherwise() == null ? new Undefined("the inline if-expression evaluated to false and no else section was defined.")
                    : eval(c.otherwise());
            case Expr.ListLit l -> {
                List<Object> items = new ArrayList<>();
                for (Expr x : l.items()) {
                    items.add(eval(x));
                }
                yield items;
            }
            case Expr.TupleLit t -> {
                List<Object> items = new ArrayList<>();
                for (Expr x : t.items()) {
                    items.add(eval(x));
                }
                yield new PyTuple(items);
            }
            case Expr.DictLit d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    m.put(eval(d.keys().get(i)), eval(d.values().get(i)));
                }
                yield m;
            }
        };
    }

    private Object evalOpt(Expr e) {
        return e == null ? null : eval(e);
    }

    private Map<String, Object> evalKwargs(List<Expr.Kw> kwargs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Expr.Kw kw : kwargs) {
            m.put(kw.name(), eval(kw.value()));
        }
        return m;
    }

    private static Object invoke(Object fn, List<Object> args, Map<String, Object> kwargs, int line) {
        if (fn instanceof LoopContext loop && loop.recurse != null) {
            fn = loop.recurse;
        }
        if (fn instanceof JinjaCallable c) {
            try {
                return c.call(args, kwargs);
            } catch (TemplateException ex) {
                if (ex.raisedByTemplate() || ex.line() > 0) {
                    throw ex;
                }
                throw new TemplateException(ex.getMessage(), line);
            } catch (IndexOutOfBoundsException | ClassCastException | IllegalArgumentException | NullPointerException ex) {
                throw new TemplateException("bad arguments in call: " + ex.getMessage(), line);
            }
        }
        if (fn instanceof Undefined u) {
            throw u.error(line);
        }
        throw new TemplateException("'" + Values.typeName(fn) + "' object is not callable", line);
    }
}
