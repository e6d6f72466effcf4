package dev.kiln.core.chat;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One function call an assistant message made (OpenAI {@code tool_calls[i]}).
 *
 * @param id        the call id (Mistral templates require 9 alphanumeric characters); may be null
 * @param type      normally {@code "function"}
 * @param name      the function name
 * @param arguments the arguments as a parsed JSON value (normally a map); a string only when the client sent
 *                  text that is not JSON
 */
public record ToolCall(String id, String type, String name, Object arguments) {

    public ToolCall {
        type = type == null ? "function" : type;
        if (name == null) {
            throw new IllegalArgumentException("tool call without a function name");
        }
    }

    /**
     * A call whose arguments arrive as a JSON string, as OpenAI clients send them: parsed into objects before
     * rendering, as llama-server does (templates print them with {@code tojson}); text that is not JSON is kept.
     */
    public static ToolCall ofJsonArguments(String id, String name, String argumentsJson) {
        Object args = argumentsJson;
        if (argumentsJson != null) {
            try {
                args = JsonValues.parse(argumentsJson, "arguments");
            } catch (IllegalArgumentException notJson) {
                args = argumentsJson;
            }
        }
        return new ToolCall(id, "function", name, args);
    }

    /** The arguments as JSON text (Python json.dumps style), as a model would have produced them. */
    public String argumentsJson() {
        return arguments instanceof String s ? s : JsonValues.toJson(arguments);
    }

    /** The value templates see: {@code {"id", "type", "function": {"name", "arguments"}}}. */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        if (id != null) {
            m.put("id", id);
        }
        m.put("type", type);
        Map<String, Object> fn = new LinkedHashMap<>();
        fn.put("name", name);
        fn.put("arguments", arguments);
        m.put("function", fn);
        return m;
    }
}
