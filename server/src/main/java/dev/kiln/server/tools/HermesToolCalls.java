package dev.kiln.server.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Qwen / Hermes tool calls: {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}, one block per call
 * (Qwen2.5, Qwen3 and Hermes-style templates).
 */
public final class HermesToolCalls implements ToolCallParser {

    static final String OPEN = "<tool_call>";
    static final String CLOSE = "</tool_call>";

    @Override
    public String marker() {
        return OPEN;
    }

    @Override
    public Optional<List<ToolCall>> parse(String section) {
        List<ToolCall> calls = new ArrayList<>();
        int at = section.indexOf(OPEN);
        while (at >= 0) {
            int end = section.indexOf(CLOSE, at);
            String body = section.substring(at + OPEN.length(), end < 0 ? section.length() : end);
            JsonNode call = ToolCallParser.firstJsonValue(body);
            if (call == null || !call.path("name").isTextual()) {
                return Optional.empty();
            }
            calls.add(new ToolCall(ToolCallParser.newCallId(), call.get("name").asText(),
                    ToolCallParser.argumentsText(call.get("arguments"))));
            if (end < 0) {
                break;
            }
            at = section.indexOf(OPEN, end);
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls);
    }
}
