package dev.kiln.core.chat.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way Jinja2's lexer does with Hugging Face's settings: {@code trim_blocks}
 * (the first newline after a block or comment tag is dropped), {@code lstrip_blocks} (spaces and tabs from the
 * start of a line up to a block or comment tag are dropped, unless the tag opens with {@code +}), the {@code -}
 * modifiers (all whitespace before/after the tag is dropped), {@code keep_trailing_newline=False} (one final
 * newline of the template is dropped) and {@code {% raw %}}. Newlines are normalised to {@code \n}.
 */
final class Lexer {
    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*([-+]?)%}");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*([-+]?)%}");
    private static final String[] OPERATORS = {
        "//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}",
        ",", ".", ":", "|",
    };

    private final String src;
    private final int[] lineStarts;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    /** The previous tag ended with {@code -}: strip all whitespace at the start of the next text. */
    private boolean stripNext;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        this.lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private int lineAt(int index) {
        int i = Arrays.binarySearch(lineStarts, index);
        return i >= 0 ? i + 1 : -i - 1;
    }

    private TemplateException error(String message, int index) {
        return new TemplateException(message, lineAt(index));
    }

    private void run() {
        while (true) {
            int idx = nextTagStart(pos);
            if (idx < 0) {
                String data = src.substring(pos);
                emitData(stripNext ? stripLeading(data) : data, pos);
                break;
            }
            String data = src.substring(pos, idx);
            if (stripNext) {
                data = stripLeading(data);
                stripNext = false;
            }
            char kind = src.charAt(idx + 1);
            int p = idx + 2;
            char mod = p < src.length() ? src.charAt(p) : 0;
            if (mod == '-') {
                data = stripTrailing(data);
                p++;
            } else if (mod == '+' && kind != '{') {
                p++;
            } else if (kind != '{') {
                data = lstripBlock(data, idx);
            }
            emitData(data, pos);
            if (kind == '#') {
                int end = src.indexOf("#}", p);
                if (end < 0) {
                    throw error("unclosed comment", idx);
                }
                pos = end + 2;
                if (end > p && src.charAt(end - 1) == '-') {
                    stripNext = true;
                } else if (!(end > p && src.charAt(end - 1) == '+')) {
                    trimNewline();
                }
                continue;
            }
            if (kind == '%' && rawBlock(idx)) {
                continue;
            }
            tokens.add(new Token(kind == '{' ? Token.Type.VAR_BEGIN : Token.Type.BLOCK_BEGIN,
                    kind == '{' ? "{{" : "{%", null, lineAt(idx)));
            pos = p;
            lexExpression(kind == '{');
        }
        tokens.add(new Token(Token.Type.EOF, "", null, lineAt(src.length())));
    }

    private int nextTagStart(int from) {
        int i = src.indexOf('{', from);
        while (i >= 0 && i + 1 < src.length()) {
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i = src.indexOf('{', i + 1);
        }
        return -1;
    }

    private void emitData(String data, int at) {
        if (!data.isEmpty()) {
            tokens.add(new Token(Token.Type.DATA, data, data, lineAt(at)));
        }
    }

    /** lstrip_blocks: drop spaces/tabs between the start of the line and a block tag at {@code tagIndex}. */
    private String lstripBlock(String data, int tagIndex) {
        int i = data.length();
        while (i > 0 && isLineSpace(data.charAt(i - 1))) {
            i--;
        }
        int sourceIndex = tagIndex - (data.length() - i);
        if (sourceIndex == 0 || src.charAt(sourceIndex - 1) == '\n') {
            return data.substring(0, i);
        }
        return data;
    }

    private static boolean isLineSpace(char c) {
        return c != '\n' && Values.isPySpace(c);
    }

    private void trimNewline() {
        if (pos < src.length() && src.charAt(pos) == '\n') {
            pos++;
        }
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && Values.isPySpace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private static String stripTrailing(String s) {
        int i = s.length();
        while (i > 0 && Values.isPySpace(s.charAt(i - 1))) {
            i--;
        }
        return s.substring(0, i);
    }

    /** {@code {% raw %}...{% endraw %}}: the text between is data, not template code. */
    private boolean rawBlock(int idx) {
        Matcher begin = RAW_BEGIN.matcher(src).region(idx, src.length());
        if (!begin.lookingAt()) {
            return false;
        }
        Matcher end = RAW_END.matcher(src);
        if (!end.find(begin.end())) {
            throw error("missing {% endraw %}", idx);
        }
        String data = src.substring(begin.end(), end.start());
        if (begin.group(2).equals("-")) {
            data = stripLeading(data);
        } else if (!begin.group(2).equals("+") && data.startsWith("\n")) {
            data = data.substring(1);
        }
        if (end.group(1).equals("-")) {
            data = stripTrailing(data);
        } else if (!end.group(1).equals("+")) {
            data = lstripBlock(data, end.start());
        }
        emitData(data, begin.end());
        pos = end.end();
        if (end.group(2).equals("-")) {
            stripNext = true;
        } else if (!end.group(2).equals("+")) {
            trimNewline();
        }
        return true;
    }

    private void lexExpression(boolean variable) {
        String close = variable ? "}}" : "%}";
        int depth = 0;
        int start = pos;
        while (true) {
            while (pos < src.length() && Values.isPySpace(src.charAt(pos))) {
                pos++;
            }
            if (pos >= src.length()) {
                throw error("unexpected end of template, expected '" + close + "'", start);
            }
            int line = lineAt(pos);
            Token.Type endType = variable ? Token.Type.VAR_END : Token.Type.BLOCK_END;
            if (depth == 0) {
                if (src.startsWith("-" + close, pos)) {
                    tokens.add(new Token(endType, close, null, line));
                    pos += 3;
                    stripNext = true;
                    return;
                }
                if (!variable && src.startsWith("+%}", pos)) {
                    tokens.add(new Token(endType, close, null, line));
                    pos += 3;
                    return;
                }
                if (src.startsWith(close, pos)) {
                    tokens.add(new Token(endType, close, null, line));
                    pos += 2;
                    if (!variable) {
                        trimNewline();
                    }
                    return;
                }
            }
            char c = src.charAt(pos);
            if (c == '\'' || c == '"') {
                lexString(c, line);
            } else if (Character.isDigit(c)) {
                lexNumber(line);
            } else if (Character.isLetter(c) || c == '_') {
                int s = pos;
                while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                    pos++;
                }
                String name = src.substring(s, pos);
                tokens.add(new Token(Token.Type.NAME, name, name, line));
            } else {
                String op = null;
                for (String o : OPERATORS) {
                    if (src.startsWith(o, pos)) {
                        op = o;
                        break;
                    }
                }
                if (op == null) {
                    throw error("unexpected character '" + c + "'", pos);
                }
                switch (op) {
                    case "(", "[", "{" -> depth++;
                    case ")", "]", "}" -> depth = Math.max(0, depth - 1);
                    default -> { }
                }
                tokens.add(new Token(Token.Type.OP, op, op, line));
                pos += op.length();
            }
        }
    }

    private void lexNumber(int line) {
        int s = pos;
        while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
            pos++;
        }
        boolean isFloat = false;
        if (pos + 1 < src.length() && src.charAt(pos) == '.' && Character.isDigit(src.charAt(pos + 1))) {
            isFloat = true;
            pos++;
            while (pos < src.length() && (Character.isDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
                pos++;
            }
        }
        if (pos < src.length() && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
            int e = pos + 1;
            if (e < src.length() && (src.charAt(e) == '+' || src.charAt(e) == '-')) {
                e++;
            }
            if (e < src.length() && Character.isDigit(src.charAt(e))) {
                isFloat = true;
                pos = e;
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            }
        }
        String text = src.substring(s, pos);
        String digits = text.replace("_", "");
        tokens.add(isFloat
                ? new Token(Token.Type.FLOAT, text, Double.parseDouble(digits), line)
                : new Token(Token.Type.INT, text, Long.parseLong(digits), line));
    }

    /** A Python string literal: backslash escapes as {@code unicode-escape} decodes them. */
    private void lexString(char quote, int line) {
        int s = pos;
        pos++;
        StringBuilder out = new StringBuilder();
        while (true) {
            if (pos >= src.length()) {
                throw error("unterminated string literal", s);
            }
            char c = src.charAt(pos);
            if (c == quote) {
                pos++;
                break;
            }
            if (c != '\\') {
                out.append(c);
                pos++;
                continue;
            }
            if (pos + 1 >= src.length()) {
                throw error("unterminated string literal", s);
            }
            char e = src.charAt(pos + 1);
            pos += 2;
            switch (e) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case '\\' -> out.append('\\');
                case '\'' -> out.append('\'');
                case '"' -> out.append('"');
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'v' -> out.append('\u000b');
                case '\n' -> { }
                case 'x' -> out.appendCodePoint(hex(2));
                case 'u' -> out.appendCodePoint(hex(4));
                case 'U' -> out.appendCodePoint(hex(8));
                default -> {
                    if (e >= '0' && e <= '7') {
                        int v = e - '0';
                        for (int k = 0; k < 2 && pos < src.length() && src.charAt(pos) >= '0' && src.charAt(pos) <= '7'; k++) {
                            v = v * 8 + (src.charAt(pos++) - '0');
                        }
                        out.appendCodePoint(v);
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        tokens.add(new Token(Token.Type.STRING, src.substring(s, pos), out.toString(), line));
    }

    private int hex(int digits) {
        if (pos + digits > src.length()) {
            throw error("truncated \\x/\\u escape", pos);
        }
        try {
            int v = Integer.parseInt(src.substring(pos, pos + digits), 16);
            pos += digits;
            return v;
        } catch (NumberFormatException e) {
            throw error("invalid escape in string literal", pos);
        }
    }
}
