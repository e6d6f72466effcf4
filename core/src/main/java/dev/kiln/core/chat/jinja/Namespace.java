package dev.kiln.core.chat.jinja;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: attributes that {@code {% set ns.x = ... %}} can change from inside loops. */
final class Namespace {
    final Map<String, Object> attributes = new LinkedHashMap<>();

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("<Namespace {");
        boolean first = true;
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
            s.append(first ? "" : ", ").append(Values.repr(e.getKey())).append(": ").append(Values.repr(e.getValue()));
            first = false;
        }
        return s.append("}>").toString();
    }
}
