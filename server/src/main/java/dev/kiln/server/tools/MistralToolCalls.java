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

    /** {@code name[CALL_ID]id[ARGS]...} calls (not the JSON-array spelling): the arguments text streams as it comes. */
    @Override
    public List<PartialCall> partial(String section) {
        List<PartialCall> calls = new ArrayList<>();
        String[] parts = section.split("\\[TOOL_CALLS\\]", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].stripLeading();
            if (part.isEmpty()) {
                continue;
            }
            int args = part.indexOf(ARGS);
            if (part.startsWith("[") || args < 0) {
                break;                                   // a JSON array, or the name is not complete yet
            }
            String head = part.substring(0, args);
            int idAt = head.indexOf(CALL_ID);
            String name = (idAt >= 0 ? head.substring(0, idAt) : head).strip();
            String id = idAt >= 0 ? head.substring(idAt + CALL_ID.length()).strip() : null;
            boolean complete = i < parts.length - 1;
            String arguments = part.substring(args + ARGS.length());
            calls.add(new PartialCall(id, name, complete ? arguments.strip() : arguments.stripLeading(), complete));
        }
        return calls;
    }
}
