package dev.kiln.core.chat.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * One frame of variables. The root holds the globals and the render context; the template body, each
 * {@code for} loop, macro call and {@code with} block get a child frame, so that (as in Jinja2) a {@code set}
 * inside a loop does not change the variable outside it, while {@code if} blocks share their parent's frame.
 */
final class Scope {
    static final Object MISSING = new Object();

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
