package dev.kiln.core.chat.jinja;

import java.util.List;

/** Statement nodes of the template AST: text, {@code {{ }}} output and the block tags Hugging Face templates use. */
sealed interface Stmt {
    int line();

    record Text(String text, int line) implements Stmt { }

    record Output(Expr value, int line) implements Stmt { }

    record If(List<Expr> conditions, List<List<Stmt>> bodies, List<Stmt> elseBody, int line) implements Stmt { }

    /** {@code for targets in iter [if filter] [recursive]} ... {@code else} ... {@code endfor}. */
    record For(List<String> targets, Expr iter, Expr filter, boolean recursive, List<Stmt> body, List<Stmt> elseBody,
               int line) implements Stmt { }

    /** {@code set a = v}, {@code set a, b = v} or {@code set ns.attr = v} (then {@code namespace} is non-null). */
    record Set(List<String> targets, String namespaceAttr, Expr value, int line) implements Stmt { }

    /** {@code set name [| filters]} ... {@code endset}: the body's output; filters apply to {@code Expr.Name("")} placeholder. */
    record SetBlock(String target, List<Stmt> body, Expr filter, int line) implements Stmt { }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt { }

    /** {@code call [(params)] macro(args)} ... {@code endcall}: the body becomes {@code caller()}. */
    record CallBlock(Expr call, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt { }

    /** {@code filter f(args)} ... {@code endfilter}; the filter chain is applied to the {@code Expr.Name("")} placeholder. */
    record FilterBlock(Expr filter, List<Stmt> body, int line) implements Stmt { }

    record With(List<String> names, List<Expr> values, List<Stmt> body, int line) implements Stmt { }

    /** Hugging Face's {@code {% generation %}} marker: renders its body unchanged. */
    record Generation(List<Stmt> body, int line) implements Stmt { }

    record Break(int line) implements Stmt { }

    record Continue(int line) implements Stmt { }
}
