package dev.kiln.server.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Mistral's tool calls. Three spellings, all after {@code [TOOL_CALLS]}: {@code name[CALL_ID]id[ARGS]{...}}
 * (Mistral Small 3.2, Magistral), {@code name[ARGS]{...}} (Devstral, Ministral 3), each call with its own marker,
 * and a JSON array {@code [{"name", "arguments", "id"}, ...]} (Mistral Nemo / v3 tekken).
 */
public final class MistralToolCalls implements ToolCallParser {

    static final String TOOL_CALLS = "[TOOL_CALLS]";
    static final String CALL_ID = "[CALL_ID]";
    static final String ARGS = "[ARGS]";

    @Override
    public String marker() {
        return TOOL_CALLS;
    }

    @Override
    public Optional<List<ToolCall>> parse(String section) {
        List<ToolCall> calls = new ArrayList<>();
        for (String part : section.split("\\[TOOL_CALLS\\]")) {
            String call = part.strip();
            if (call.isEmpty()) {
                continue;
            }
            if (call.startsWith("[")) {
                JsonNode array = ToolCallParser.firstJsonValue(call);
                if (array == null || !array.isArray()) {
                    return Optional.empty();
                }
                for (JsonNode c : array) {
                    if (!c.path("name").isTextual()) {
                        return Optional.empty();
                    }
                    String id = c.path("id").isTextual() ? c.get("id").asText() : ToolCallParser.newCallId();
                    calls.add(new ToolCall(id, c.get("name").asText(), ToolCallParser.argumentsText(c.get("arguments"))));
                }
                continue;
            }
            int args = call.indexOf(ARGS);
            if (args < 0) {
                return Optional.empty();
            }
            String head = call.substring(0, args);
            int idAt = head.indexOf(CALL_ID);
            String name = (idAt >= 0 ? head.substring(0, idAt) : head).strip();
            String id = idAt >= 0 ? head.substring(idAt + CALL_ID.length()).strip() : ToolCallParser.newCallId();
            JsonNode arguments = ToolCallParser.firstJsonValue(call.substring(args + ARGS.length()));
            if (name.isEmpty() || arguments == null || !arguments.isObject()) {
                return Optional.empty();
            }
            calls.add(new ToolCall(id, name, arguments.toString()));
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls);
    }
}
