package dev.kiln.core.chat.jinja;

import java.util.List;

/** Python's printf-style {@code "fmt" % args} for the conversions templates use: %s %r %d %i %f %x %%. */
final class PyFormat {
    private PyFormat() {}

    static String percent(String fmt, Object args, int line) {
        List<?> values = args instanceof PyTuple t ? t : java.util.Collections.singletonList(args);
        StringBuilder out = new StringBuilder();
        int next = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            int j = i + 1;
            while (j < fmt.length() && "-+ 0#.0123456789".indexOf(fmt.charAt(j)) >= 0) {
                j++;
            }
            if (j >= fmt.length()) {
                throw new TemplateException("incomplete format", line);
            }
            String spec = fmt.substring(i + 1, j);
            char conv = fmt.charAt(j);
            i = j;
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (next >= values.size()) {
                throw new TemplateException("not enough arguments for format string", line);
            }
            Object v = values.get(next++);
            out.append(switch (conv) {
                case 's' -> String.format("%" + spec + "s", Values.str(v));
                case 'r' -> String.format("%" + spec + "s", Values.repr(v));
                case 'd', 'i' -> String.format("%" + spec + "d", (long) Values.toDouble(v));
                case 'f', 'F', 'e', 'g' -> String.format("%" + (spec.contains(".") ? spec : spec + ".6") + conv,
                        Values.toDouble(v));
                case 'x', 'X', 'o' -> String.format("%" + spec + conv, Values.toLong(v));
                default -> throw new TemplateException("unsupported format character '" + conv + "'", line);
            });
        }
        if (next < values.size()) {
            throw new TemplateException("not all arguments converted during string formatting", line);
        }
        return out.toString();
    }
}
