package dev.kiln.server.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Optional;

/**
 * Llama 3.x JSON tool calls: the whole reply is {@code {"name": ..., "parameters": {...}}} (the template's
 * "JSON for a function call" instruction; {@code "arguments"} is accepted too). Only a reply that starts with the
 * object counts, so ordinary answers that contain braces stay content.
 */
public final class Llama3ToolCalls implements ToolCallParser {

    @Override
    public String marker() {
        return "{";
    }

    @Override
    public boolean markerAtStartOnly() {
        return true;
    }

    @Override
    public Optional<List<ToolCall>> parse(String section) {
        String text = section.strip();
        if (text.startsWith("<|python_tag|>")) {
            text = text.substring("<|python_tag|>".length());
        }
        JsonNode call = ToolCallParser.firstJsonValue(text);
        if (call == null || !call.path("name").isTextual()) {
            return Optional.empty();
        }
        JsonNode arguments = call.has("parameters") ? call.get("parameters") : call.get("arguments");
        if (arguments != null && !arguments.isObject() && !arguments.isTextual()) {
            return Optional.empty();
        }
        return Optional.of(List.of(new ToolCall(ToolCallParser.newCallId(), call.get("name").asText(),
                ToolCallParser.argumentsText(arguments))));
    }
}
