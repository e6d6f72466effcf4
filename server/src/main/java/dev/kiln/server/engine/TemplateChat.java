package dev.kiln.server.engine;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.core.chat.JsonValues;
import dev.kiln.core.chat.RenderOptions;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.server.api.FunctionTool;
import dev.kiln.server.model.ChatRenderer;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The model's chat template as a {@link ChatRenderer}. As llama-server does, a BOS the template writes at the start
 * is removed from the text, because the prompt is tokenized with the model's own BOS added.
 */
public final class TemplateChat implements ChatRenderer {

    private final ChatTemplate template;
    private final String bosToken;
    private final String eosToken;
    private final LocalDateTime fixedNow;       // null: the current time (strftime_now)
    private final Map<String, Object> defaults; // --chat-template-kwargs

    public TemplateChat(ChatTemplate template, String bosToken, String eosToken) {
        this(template, bosToken, eosToken, null);
    }

    /** @param fixedNow the time templates print with {@code strftime_now}, for reproducible prompts; null for now */
    public TemplateChat(ChatTemplate template, String bosToken, String eosToken, LocalDateTime fixedNow) {
        this(template, bosToken, eosToken, fixedNow, Map.of());
    }

    /** @param defaults template variables of every rendering; a request's own variables override them */
    public TemplateChat(ChatTemplate template, String bosToken, String eosToken, LocalDateTime fixedNow,
                        Map<String, Object> defaults) {
        this.defaults = Map.copyOf(defaults);
        this.template = template;
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
        this.fixedNow = fixedNow;
    }

    @Override
    public String source() {
        return template.source();
    }

    @Override
    public String render(List<ChatMessage> messages, List<FunctionTool> tools,
                         boolean addGenerationPrompt, Map<String, Object> extra) {
        List<Object> toolValues = null;                 // null: no tools, `tools` undefined in the template
        if (!tools.isEmpty()) {
            toolValues = new ArrayList<>();
            for (FunctionTool t : tools) {
                toolValues.add(JsonValues.fromNode(t.definition()));
            }
        }
        RenderOptions.Builder options = RenderOptions.builder().addGenerationPrompt(addGenerationPrompt)
                .bosToken(bosToken).eosToken(eosToken).tools(toolValues);
        defaults.forEach(options::variable);
        extra.forEach(options::variable);
        if (fixedNow != null) {
            options.now(fixedNow);
        }
        String text;
        try {
            text = template.render(messages, options.build());
        } catch (TemplateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return !bosToken.isEmpty() && text.startsWith(bosToken) ? text.substring(bosToken.length()) : text;
    }
}
