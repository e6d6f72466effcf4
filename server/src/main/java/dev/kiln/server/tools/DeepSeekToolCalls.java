package dev.kiln.server.tools;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DeepSeek-R1 tool calls: {@code <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>NAME\n```json\n{...}\n```
 * <｜tool▁call▁end｜>...<｜tool▁calls▁end｜>} (full-width bars, U+2581 for spaces).
 */
public final class DeepSeekToolCalls implements ToolCallParser {

    static final String CALLS_BEGIN = "<\uff5ctool\u2581calls\u2581begin\uff5c>";
    private static final Pattern CALL = Pattern.compile(
            "<\uff5ctool\u2581call\u2581begin\uff5c>\\s*\\w*\\s*<\uff5ctool\u2581sep\uff5c>([^\\n]+)\\n```(?:json)?\\s*(.*?)\\s*```",
            Pattern.DOTALL);

    @Override
    public String marker() {
        return CALLS_BEGIN;
    }

    @Override
    public Optional<List<ToolCall>> parse(String section) {
        List<ToolCall> calls = new ArrayList<>();
        Matcher m = CALL.matcher(section);
        while (m.find()) {
            JsonNode arguments = ToolCallParser.firstJsonValue(m.group(2));
            if (arguments == null || !arguments.isObject()) {
                return Optional.empty();
            }
            calls.add(new ToolCall(ToolCallParser.newCallId(), m.group(1).strip(), arguments.toString()));
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls);
    }
}
