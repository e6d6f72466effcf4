package dev.kiln.server.api;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One validated entry of a request's {@code tools}: {@code {"type": "function", "function": {"name": ...}}}, kept
 * as the client sent it (templates print it with {@code tojson}, so key order and every field are kept).
 *
 * @param name       {@code function.name}, what {@code tool_choice} names
 * @param definition the whole tool object (a private copy)
 */
public record FunctionTool(String name, ObjectNode definition) {

    public FunctionTool {
        if (name == null || definition == null) {
            throw new IllegalArgumentException("a function tool needs a name and its definition");
        }
        definition = definition.deepCopy();
    }
}
