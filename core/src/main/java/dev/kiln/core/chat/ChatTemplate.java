package dev.kiln.core.chat;

import dev.kiln.core.chat.jinja.Template;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.gguf.Metadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's chat template ({@code tokenizer.chat_template}, Jinja) turned into a prompt the way Hugging Face
 * {@code apply_chat_template} does: variables {@code messages}, {@code add_generation_prompt}, {@code bos_token},
 * {@code eos_token}, {@code tools} (when given) and any extra variables. Immutable and thread-safe.
 *
 * <p>Errors: a template that does not parse, or that refuses a conversation with {@code raise_exception}, throws
 * {@link TemplateException}; for the latter the message is exactly the template's text.
 */
public final class ChatTemplate {
    private static final Logger LOG = LoggerFactory.getLogger(ChatTemplate.class);
    /** The GGUF key holding the default template. */
    public static final String METADATA_KEY = "tokenizer.chat_template";

    private final String source;
    private final Template template;

    private ChatTemplate(String source, Template template) {
        this.source = source;
        this.template = template;
    }

    /** Parses the template now, so a syntax error surfaces at load time. */
    public static ChatTemplate of(String source) {
        return new ChatTemplate(source, Template.parse(source));
    }

    /**
     * The template of a model file: {@code tokenizer.chat_template} when present, else the built-in
     * {@link ChatFormat} chosen from the vocabulary and architecture (logged, as llama.cpp does).
     */
    public static ChatTemplate forModel(Metadata md) {
        return forModel(md, false);
    }

    /**
     * As {@link #forModel(Metadata)}, but when the conversation has tools and the file has a named
     * {@code tokenizer.chat_template.tool_use} template (as Hugging Face and llama.cpp do), that one is used.
     */
    public static ChatTemplate forModel(Metadata md, boolean withTools) {
        if (withTools) {
            var toolUse = md.findString(METADATA_KEY + ".tool_use");
            if (toolUse.isPresent()) {
                return of(toolUse.get());
            }
        }
        var source = md.findString(METADATA_KEY);
        if (source.isPresent()) {
            return of(source.get());
        }
        ChatFormat format = ChatFormat.detect(md);
        LOG.warn("no {} in the model file; using the built-in '{}' chat format (architecture {}, tokenizer {})",
                METADATA_KEY, format.id(), md.findString("general.architecture").orElse("?"),
                md.findString("tokenizer.ggml.model").orElse("?"));
        return format.template();
    }

    /** Render options with {@code bos_token}/{@code eos_token} set to the model's special-token texts. */
    public static RenderOptions.Builder optionsForModel(Metadata md) {
        return RenderOptions.builder()
                .bosToken(ChatFormat.tokenText(md, "tokenizer.ggml.bos_token_id"))
                .eosToken(ChatFormat.tokenText(md, "tokenizer.ggml.eos_token_id"));
    }

    /**
     * Whether the template reads a variable of this name (e.g. {@code enable_thinking}: a server turns
     * {@code --reasoning-budget 0} into {@code enable_thinking=false} only where the template knows it).
     */
    public boolean usesVariable(String name) {
        return usesVariable(source, name);
    }

    /** {@link #usesVariable(String)} on a template's source text (for callers that hold only the source). */
    public static boolean usesVariable(String templateSource, String name) {
        return java.util.regex.Pattern.compile("(?<![\\w.])" + java.util.regex.Pattern.quote(name) + "(?!\\w)")
                .matcher(templateSource).find();
    }

    public String source() {
        return source;
    }

    public String render(List<ChatMessage> messages, RenderOptions options) {
        List<Object> msgs = new ArrayList<>();
        for (ChatMessage m : messages) {
            msgs.add(m.toTemplateValue());
        }
        Map<String, Object> vars = new LinkedHashMap<>(options.variables());
        vars.put("messages", msgs);
        vars.put("add_generation_prompt", options.addGenerationPrompt());
        vars.put("bos_token", options.bosToken());
        vars.put("eos_token", options.eosToken());
        if (options.tools() != null) {
            vars.put("tools", options.tools());
        }
        return template.render(vars, options.now());
    }
}
