package dev.kiln.server.fake;

import dev.kiln.server.model.ChatRenderer;

import java.util.List;
import java.util.Map;

/**
 * A chat renderer for tests: {@code <|role|>content\n} per message and {@code <|assistant|>} as the generation
 * prompt. {@code source} is what the server inspects for think tags and the tool-call format.
 */
public record FakeChat(String source) implements ChatRenderer {

    @Override
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extra) {
        StringBuilder out = new StringBuilder();
        if (tools != null && !tools.isEmpty()) {
            out.append("tools:").append(tools.size()).append('\n');
        }
        for (Map<String, Object> m : messages) {
            if ("error".equals(m.get("content"))) {
                throw new IllegalArgumentException("This template refuses the word error");
            }
            out.append(m.get("role")).append(": ").append(m.get("content") == null ? "" : m.get("content"));
            if (m.get("tool_calls") != null) {
                out.append(" calls=").append(m.get("tool_calls"));
            }
            out.append('\n');
        }
        if (Boolean.FALSE.equals(extra.get("enable_thinking"))) {
            out.append("(no thinking)\n");
        }
        if (addGenerationPrompt) {
            out.append("<|assistant|>");
        }
        return out.toString();
    }
}
