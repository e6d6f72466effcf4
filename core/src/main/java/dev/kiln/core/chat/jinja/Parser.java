package dev.kiln.core.chat.jinja;

import dev.kiln.core.chat.jinja.Token.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to the AST, following Jinja2's {@code parser.py}: the same operator
 * precedence ({@code if/else} &lt; {@code or} &lt; {@code and} &lt; {@code not} &lt; comparisons &lt; {@code + -}
 * &lt; {@code ~} &lt; {@code * / // %} &lt; {@code **} &lt; unary &lt; postfix/filters/tests) and the same rules for
 * test arguments without parentheses ({@code x is divisibleby 3}).
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", ">", "<=", ">=");

    private final List<Token> tokens;
    private int pos;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Stmt> body = p.parseBody(Set.of());
        if (p.peek().type() != Type.EOF) {
            throw p.error("unexpected '" + p.peekBlockName() + "'");
        }
        return body;
    }

    // ----------------------------------------------------------------------------------------- token helpers

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token next() {
        return tokens.get(pos++);
    }

    private TemplateException error(String message) {
        return new TemplateException(message, peek().line());
    }

    private Token expectOp(String op) {
        if (!peek().isOp(op)) {
            throw error("expected '" + op + "', got " + peek().describe());
        }
        return next();
    }

    private String expectName() {
        if (peek().type() != Type.NAME) {
            throw error("expected a name, got " + peek().describe());
        }
        return next().text();
    }

    private void expectKeyword(String name) {
        if (!peek().isName(name)) {
            throw error("expected '" + name + "', got " + peek().describe());
        }
        next();
    }

    private void expectBlockEnd() {
        if (peek().type() != Type.BLOCK_END) {
            throw error("expected end of tag '%}', got " + peek().describe());
        }
        next();
    }

    private boolean acceptOp(String op) {
        if (peek().isOp(op)) {
            pos++;
            return true;
        }
        return false;
    }

    private boolean acceptName(String name) {
        if (peek().isName(name)) {
            pos++;
            return true;
        }
        return false;
    }

    /** The tag name after a {@code {%}, or "" when the next token is not a block start. */
    private String peekBlockName() {
        return peek().type() == Type.BLOCK_BEGIN && peek(1).type() == Type.NAME ? peek(1).text() : "";
    }

    // ----------------------------------------------------------------------------------------- statements

    /** Parses statements until a block tag whose name is in {@code endTags} (not consumed) or the end. */
    private List<Stmt> parseBody(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.type()) {
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw error("unexpected end of template, expected one of " + endTags);
                    }
                    return body;
                }
                case DATA -> {
                    next();
                    body.add(new Stmt.Text(t.text(), t.line()));
                }
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(false);
                    if (peek().type() != Type.VAR_END) {
                        throw error("expected end of print statement '}}', got " + peek().describe());
                    }
                    next();
                    body.add(new Stmt.Output(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    String name = peekBlockName();
                    if (endTags.contains(name)) {
                        return body;
                    }
                    next();
                    body.add(parseStatement());
                }
                default -> throw error("unexpected " + t.describe());
            }
        }
    }

    private Stmt parseStatement() {
        Token t = peek();
        if (t.type() != Type.NAME) {
            throw error("expected a tag name, got " + t.describe());
        }
        int line = t.line();
        String name = next().text();
        return switch (name) {
            case "if" -> parseIf(line);
            case "for" -> parseFor(line);
            case "set" -> parseSet(line);
            case "macro" -> parseMacro(line);
            case "call" -> parseCallBlock(line);
            case "filter" -> parseFilterBlock(line);
            case "with" -> parseWith(line);
            case "generation" -> {
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endgeneration"));
                closeBlock("endgeneration");
                yield new Stmt.Generation(body, line);
            }
            case "break" -> {
                expectBlockEnd();
                yield new Stmt.Break(line);
            }
            case "continue" -> {
                expectBlockEnd();
                yield new Stmt.Continue(line);
            }
            default -> throw new TemplateException("unknown tag '" + name + "'", line);
        };
    }

    /** Consumes {@code {% endtag %}}. */
    private void closeBlock(String endTag) {
        next(); // BLOCK_BEGIN
        expectKeyword(endTag);
        expectBlockEnd();
    }

    private Stmt parseIf(int line) {
        List<Expr> conditions = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> elseBody = List.of();
        conditions.add(parseTuple(false));
        expectBlockEnd();
        while (true) {
            bodies.add(parseBody(Set.of("elif", "else", "endif")));
            next(); // BLOCK_BEGIN
            String tag = next().text();
            if (tag.equals("elif")) {
                conditions.add(parseTuple(false));
                expectBlockEnd();
            } else if (tag.equals("else")) {
                expectBlockEnd();
                elseBody = parseBody(Set.of("endif"));
                closeBlock("endif");
                break;
            } else {
                expectBlockEnd();
                break;
            }
        }
        return new Stmt.If(conditions, bodies, elseBody, line);
    }

    private List<String> parseTargets() {
        List<String> targets = new ArrayList<>();
        boolean paren = acceptOp("(");
        targets.add(expectName());
        while (acceptOp(",")) {
            if (peek().type() != Type.NAME) {
                break;
            }
            targets.add(expectName());
        }
        if (paren) {
            expectOp(")");
        }
        return targets;
    }

    private Stmt parseFor(int line) {
        List<String> targets = parseTargets();
        expectKeyword("in");
        Expr iter = parseTuple(true);
        Expr filter = null;
        if (acceptName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = acceptName("recursive");
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endfor", "else"));
        List<Stmt> elseBody = List.of();
        if (peekBlockName().equals("else")) {
            next();
            next();
            expectBlockEnd();
            elseBody = parseBody(Set.of("endfor"));
        }
        closeBlock("endfor");
        return new Stmt.For(targets, iter, filter, recursive, body, elseBody, line);
    }

    private Stmt parseSet(int line) {
        String first = expectName();
        if (acceptOp(".")) {
            String attr = expectName();
            expectOp("=");
            Expr value = parseTuple(false);
            expectBlockEnd();
            return new Stmt.Set(List.of(first), attr, value, line);
        }
        List<String> targets = new ArrayList<>(List.of(first));
        while (acceptOp(",")) {
            targets.add(expectName());
        }
        if (acceptOp("=")) {
            Expr value = parseTuple(false);
            expectBlockEnd();
            return new Stmt.Set(targets, null, value, line);
        }
        if (targets.size() != 1) {
            throw error("expected '='");
        }
        Expr filter = null;
        if (peek().isOp("|")) {
            filter = parseFilterChain(new Expr.Name("", line));
        }
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endset"));
        closeBlock("endset");
        return new Stmt.SetBlock(first, body, filter, line);
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOp("(");
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            params.add(expectName());
            defaults.add(acceptOp("=") ? parseExpression(true) : null);
        }
        expectOp(")");
    }

    private Stmt parseMacro(int line) {
        String name = expectName();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endmacro"));
        closeBlock("endmacro");
        return new Stmt.Macro(name, params, defaults, body, line);
    }

    private Stmt parseCallBlock(int line) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (peek().isOp("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call)) {
            throw new TemplateException("expected a call after {% call %}", line);
        }
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endcall"));
        closeBlock("endcall");
        return new Stmt.CallBlock(call, params, defaults, body, line);
    }

    private Stmt parseFilterBlock(int line) {
        Expr chain = parseFilterChain(new Expr.Name("", line), true);
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endfilter"));
        closeBlock("endfilter");
        return new Stmt.FilterBlock(chain, body, line);
    }

    private Stmt parseWith(int line) {
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().type() != Type.BLOCK_END) {
            if (!names.isEmpty()) {
                expectOp(",");
            }
            names.add(expectName());
            expectOp("=");
            values.add(parseExpression(true));
        }
        expectBlockEnd();
        List<Stmt> body = parseBody(Set.of("endwith"));
        closeBlock("endwith");
        return new Stmt.With(names, values, body, line);
    }

    // ----------------------------------------------------------------------------------------- expressions

    /** An expression, or a tuple when commas follow ({@code a, b}); Jinja's {@code parse_tuple}. */
    private Expr parseTuple(boolean noCondExpr) {
        int line = peek().line();
        Expr first = parseExpression(!noCondExpr);
        if (!peek().isOp(",")) {
            return first;
        }
        List<Expr> items = new ArrayList<>(List.of(first));
        while (acceptOp(",")) {
            if (isTupleEnd()) {
                break;
            }
            items.add(parseExpression(!noCondExpr));
        }
        return new Expr.TupleLit(items, line);
    }

    private boolean isTupleEnd() {
        Token t = peek();
        return t.type() == Type.VAR_END || t.type() == Type.BLOCK_END || t.type() == Type.EOF
                || t.isOp(")") || t.isName("if") || t.isName("in") || t.isOp("=");
    }

    private Expr parseExpression(boolean withCondExpr) {
        return withCondExpr ? parseCondExpr() : parseOr();
    }

    private Expr parseCondExpr() {
        Expr expr = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = acceptName("else") ? parseCondExpr() : null;
            expr = new Expr.Cond(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Expr.Binary("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Expr.Binary("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            return new Expr.Unary("not", parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.type() == Type.OP && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                pos += 2;
                ops.add("not in");
            } else {
                break;
            }
            rest.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (peek().isOp("~")) {
            Token op = next();
            left = new Expr.Binary("~", left, parseMath2(), op.line());
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            node = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        return withFilter ? parseFilterExpr(node) : node;
    }

    private Expr parsePrimary() {
        Token t = next();
        int line = t.line();
        switch (t.type()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, line);
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, line);
                    case "none", "None" -> new Expr.Const(null, line);
                    default -> new Expr.Name(t.text(), line);
                };
            }
            case STRING -> {
                StringBuilder s = new StringBuilder((String) t.value());
                while (peek().type() == Type.STRING) {
                    s.append((String) next().value());
                }
                return new Expr.Const(s.toString(), line);
            }
            case INT, FLOAT -> {
                return new Expr.Const(t.value(), line);
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (acceptOp(")")) {
                            return new Expr.TupleLit(List.of(), line);
                        }
                        Expr first = parseExpression(true);
                        if (acceptOp(")")) {
                            return first;
                        }
                        List<Expr> items = new ArrayList<>(List.of(first));
                        while (acceptOp(",")) {
                            if (peek().isOp(")")) {
                                break;
                            }
                            items.add(parseExpression(true));
                        }
                        expectOp(")");
                        return new Expr.TupleLit(items, line);
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        expectOp("]");
                        return new Expr.ListLit(items, line);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expectOp(",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expectOp(":");
                            values.add(parseExpression(true));
                        }
                        expectOp("}");
                        return new Expr.DictLit(keys, values, line);
                    }
                    default -> {
                        pos--;
                        throw error("unexpected '" + t.text() + "'");
                    }
                }
            }
            default -> {
                pos--;
                throw error("unexpected " + t.describe());
            }
        }
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token name = next();
                if (name.type() == Type.NAME) {
                    node = new Expr.GetAttr(node, name.text(), t.line());
                } else if (name.type() == Type.INT) {
                    node = new Expr.GetItem(node, new Expr.Const(name.value(), t.line()), t.line());
                } else {
                    pos--;
                    throw error("expected an attribute name after '.'");
                }
            } else if (t.isOp("[")) {
                next();
                node = new Expr.GetItem(node, parseSubscript(), t.line());
                expectOp("]");
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript() {
        int line = peek().line();
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression(true);
            if (!peek().isOp(":")) {
                return start;
            }
        }
        expectOp(":");
        Expr stop = null;
        Expr step = null;
        if (!peek().isOp("]") && !peek().isOp(":")) {
            stop = parseExpression(true);
        }
        if (acceptOp(":") && !peek().isOp("]")) {
            step = parseExpression(true);
        }
        return new Expr.Slice(start, stop, step, line);
    }

    private record Args(List<Expr> args, List<Expr.Kw> kwargs) { }

    private Args parseArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Expr.Kw> kwargs = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expectOp(",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            if (peek().type() == Type.NAME && peek(1).isOp("=")) {
                String name = next().text();
                next();
                kwargs.add(new Expr.Kw(name, parseExpression(true)));
            } else {
                if (!kwargs.isEmpty()) {
                    throw error("positional argument after keyword argument");
                }
                args.add(parseExpression(true));
            }
        }
        expectOp(")");
        return new Args(args, kwargs);
    }

    private Expr parseCall(Expr fn) {
        int line = peek().line();
        Args a = parseArgs();
        return new Expr.Call(fn, a.args(), a.kwargs(), line);
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                node = parseFilterChain(node, false);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOp("(")) {
                node = parseCall(node);
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterChain(Expr node) {
        return parseFilterChain(node, false);
    }

    /** {@code | name[(args)]} repeated; with {@code first} the first filter has no leading pipe. */
    private Expr parseFilterChain(Expr node, boolean first) {
        while (first || peek().isOp("|")) {
            if (!first) {
                next();
            }
            first = false;
            int line = peek().line();
            String name = expectName();
            while (peek().isOp(".")) {
                next();
                name += "." + expectName();
            }
            Args a = peek().isOp("(") ? parseArgs() : new Args(List.of(), List.of());
            node = new Expr.Filter(node, name, a.args(), a.kwargs(), line);
        }
        return node;
    }

    private Expr parseTest(Expr node) {
        int line = next().line(); // 'is'
        boolean negated = acceptName("not");
        String name = expectName();
        while (peek().isOp(".")) {
            next();
            name += "." + expectName();
        }
        List<Expr> args = List.of();
        List<Expr.Kw> kwargs = List.of();
        Token t = peek();
        if (t.isOp("(")) {
            Args a = parseArgs();
            args = a.args();
            kwargs = a.kwargs();
        } else if ((t.type() == Type.NAME || t.type() == Type.STRING || t.type() == Type.INT
                || t.type() == Type.FLOAT || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw error("you cannot chain multiple tests with 'is'");
            }
            args = List.of(parsePostfix(parsePrimary()));
        }
        Expr test = new Expr.Test(node, name, args, kwargs, line);
        return negated ? new Expr.Unary("not", test, line) : test;
    }
}
