package dev.kiln.core.chat.jinja;

/**
 * Jinja2's default {@code Undefined}: what a missing variable, key or attribute evaluates to. It prints as the
 * empty string, is falsy, iterates as empty and has length 0; any other use (attribute access, arithmetic, call)
 * is an error naming what was missing.
 *
 * @param hint the message Jinja2 would give, e.g. {@code 'x' is undefined} or {@code 'dict object' has no attribute 'y'}
 */
record Undefined(String hint) {

    static Undefined named(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    static Undefined attribute(Object owner, Object attribute) {
        return new Undefined("'" + Values.typeName(owner) + " object' has no attribute " + Values.repr(attribute));
    }

    TemplateException error(int line) {
        return new TemplateException(hint, line);
    }
}
