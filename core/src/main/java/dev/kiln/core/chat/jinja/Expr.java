package dev.kiln.core.chat.jinja;

import java.util.List;

/** Expression nodes of the template AST (Jinja2's {@code nodes.Expr} family). Every node knows its source line. */
sealed interface Expr {
    int line();

    /** A keyword argument {@code name=value} of a call, filter or test. */
    record Kw(String name, Expr value) { }

    record Const(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    /** {@code obj.name}: attribute first, then item (Jinja's {@code getattr}). */
    record GetAttr(Expr obj, String name, int line) implements Expr { }

    /** {@code obj[key]}: item first, then attribute (Jinja's {@code getitem}). */
    record GetItem(Expr obj, Expr key, int line) implements Expr { }

    /** {@code start:stop:step} inside brackets; any part may be null. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Call(Expr fn, List<Expr> args, List<Kw> kwargs, int line) implements Expr { }

    record Filter(Expr value, String name, List<Expr> args, List<Kw> kwargs, int line) implements Expr { }

    record Test(Expr value, String name, List<Expr> args, List<Kw> kwargs, int line) implements Expr { }

    /** {@code not x}, {@code -x}, {@code +x}. */
    record Unary(String op, Expr operand, int line) implements Expr { }

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr { }

    /** A chain of comparisons {@code a < b <= c}; ops include {@code in} and {@code not in}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr { }

    /** {@code then if test else otherwise}; otherwise may be null (then the result is undefined). */
    record Cond(Expr test, Expr then, Expr otherwise, int line) implements Expr { }

    record ListLit(List<Expr> items, int line) implements Expr { }

    record TupleLit(List<Expr> items, int line) implements Expr { }

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr { }
}
