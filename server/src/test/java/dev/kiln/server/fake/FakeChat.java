package dev.kiln.server.fake;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.server.api.FunctionTool;
import dev.kiln.server.model.ChatRenderer;

import java.util.List;
import java.util.Map;

/**
 * A chat renderer for tests: {@code <|role|>content\n} per message and {@code <|assistant|>} as the generation
 * prompt. {@code source} is what the server inspects for think tags and the tool-call format.
 */
public record FakeChat(String source) implements ChatRenderer {

    @Override
    public String render(List<ChatMessage> messages, List<FunctionTool> tools,
                         boolean addGenerationPrompt, Map<String, Object> extra) {
        StringBuilder out = new StringBuilder();
        if (tools != null && !tools.isEmpty()) {
            out.append("tools:").append(tools.size()).append('\n');
        }
        for (ChatMessage m : messages) {
            if ("error".equals(m.content())) {
                throw new IllegalArgumentException("This template refuses the word error");
            }
            out.append(m.role()).append(": ").append(m.content() == null ? "" : m.content());
            if (m.toolCalls() != null) {
                out.append(" calls=").append(m.toolCalls());
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
