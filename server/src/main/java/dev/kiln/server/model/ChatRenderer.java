package dev.kiln.server.model;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.server.api.FunctionTool;

import java.util.List;
import java.util.Map;

/**
 * Renders a conversation to prompt text with the model's chat template ({@code tokenizer.chat_template}, Jinja) or
 * the fallback format when the file has none. Messages are typed {@link ChatMessage}s (tool-call arguments as
 * parsed JSON values, not strings); tools are the request's validated function tools.
 */
public interface ChatRenderer {

    /** The template source, used to recognize the family's think tags and tool-call format; "" for the fallback. */
    String source();

    /**
     * @param extra further template variables (for example {@code enable_thinking})
     * @throws IllegalArgumentException when the template refuses the conversation ({@code raise_exception}); the
     *         message is the template's
     */
    String render(List<ChatMessage> messages, List<FunctionTool> tools,
                  boolean addGenerationPrompt, Map<String, Object> extra);
}
