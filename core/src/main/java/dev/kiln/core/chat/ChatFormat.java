package dev.kiln.core.chat;

import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Built-in chat formats for files without {@code tokenizer.chat_template}, chosen from the vocabulary and the
 * architecture as llama.cpp does (its {@code llama-chat.cpp} formats, written here as Jinja so they render through
 * the same engine): ChatML when the vocabulary has {@code <|im_start|>} or the architecture is Qwen, Llama 3
 * headers when it has {@code <|start_header_id|>}, Gemma turns for {@code <start_of_turn>}, Llama 2
 * {@code [INST]} for a Llama SentencePiece vocabulary, and a plain {@code User:/Assistant:} transcript otherwise.
 */
public enum ChatFormat {
    /** {@code <|im_start|>role\ncontent<|im_end|>\n}, generation prompt {@code <|im_start|>assistant\n}. */
    CHATML("""
            {%- for message in messages %}
                {{- '<|im_start|>' + message.role + '\\n' + (message.content or '') + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """),
    /** Llama 3 headers; the BOS token is left to the tokenizer. */
    LLAMA3("""
            {%- for message in messages %}
                {{- '<|start_header_id|>' + message.role + '<|end_header_id|>\\n\\n' + (message.content or '') | trim + '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """),
    /** Gemma: {@code <start_of_turn>user|model}; a system message is put at the start of the first user turn. */
    GEMMA("""
            {%- set ns = namespace(system='') %}
            {%- for message in messages %}
                {%- if message.role == 'system' %}
                    {%- set ns.system = ns.system + (message.content or '') + '\\n\\n' %}
                {%- else %}
                    {{- '<start_of_turn>' + ('model' if message.role == 'assistant' else message.role) + '\\n' + ns.system + (message.content or '') | trim + '<end_of_turn>\\n' }}
                    {%- set ns.system = '' %}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<start_of_turn>model\\n' }}
            {%- endif %}
            """),
    /**
     * Llama 2 as llama.cpp's {@code llama2-sys} writes it: {@code [INST] <<SYS>>\nsystem\n<</SYS>>\n\nuser [/INST]}
     * then {@code assistant</s>}; the BOS token is left to the tokenizer.
     */
    LLAMA2("""
            {{- '[INST] ' }}
            {%- set ns = namespace(inside=true) %}
            {%- for message in messages %}
                {%- if not ns.inside %}
                    {{- '[INST] ' }}
                    {%- set ns.inside = true %}
                {%- endif %}
                {%- if message.role == 'system' %}
                    {{- '<<SYS>>\\n' + (message.content or '') + '\\n<</SYS>>\\n\\n' }}
                {%- elif message.role == 'user' %}
                    {{- (message.content or '') + ' [/INST]' }}
                {%- else %}
                    {{- (message.content or '') + eos_token }}
                    {%- set ns.inside = false %}
                {%- endif %}
            {%- endfor %}
            """),
    /** A plain transcript: {@code System: ...}, {@code User: ...}, {@code Assistant: ...}, one per line. */
    PLAIN("""
            {%- for message in messages %}
                {{- message.role | capitalize }}: {{ (message.content or '') | trim }}
            {% endfor %}
            {%- if add_generation_prompt %}
                {{- 'Assistant:' }}
            {%- endif %}
            """);

    private final String source;
    private volatile ChatTemplate template;

    ChatFormat(String source) {
        this.source = source;
    }

    /** The format's Jinja source (what {@code kiln template} would render it with). */
    public String source() {
        return source;
    }

    public ChatTemplate template() {
        ChatTemplate t = template;
        if (t == null) {
            t = ChatTemplate.of(source);
            template = t;
        }
        return t;
    }

    /** The lowercase name used in logs and on the command line ({@code chatml}, {@code llama2}, ...). */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Chooses the fallback format for a file from its vocabulary and architecture. */
    public static ChatFormat detect(Metadata md) {
        Set<String> tokens = new HashSet<>();
        md.findArray("tokenizer.ggml.tokens").ifPresent(a -> {
            if (a.elementType() == dev.kiln.gguf.ValueType.STRING) {
                for (int i = 0; i < a.size(); i++) {
                    String t = a.stringAt(i);
                    if (t.startsWith("<") && t.endsWith(">")) {
                        tokens.add(t);
                    }
                }
            }
        });
        String arch = md.findString("general.architecture").orElse("").toLowerCase(Locale.ROOT);
        String model = md.findString("tokenizer.ggml.model").orElse("");
        if (tokens.contains("<|im_start|>") || arch.startsWith("qwen")) {
            return CHATML;
        }
        if (tokens.contains("<|start_header_id|>")) {
            return LLAMA3;
        }
        if (tokens.contains("<start_of_turn>") || arch.startsWith("gemma")) {
            return GEMMA;
        }
        if (model.equals("llama") && (arch.equals("llama") || arch.equals("mistral"))) {
            return LLAMA2;
        }
        return PLAIN;
    }

    /** The text of a special token named by an id key such as {@code tokenizer.ggml.bos_token_id}, or "". */
    static String tokenText(Metadata md, String idKey) {
        var id = md.findLong(idKey);
        var tokens = md.findArray("tokenizer.ggml.tokens");
        if (id.isEmpty() || tokens.isEmpty() || tokens.get().elementType() != dev.kiln.gguf.ValueType.STRING) {
            return "";
        }
        long i = id.getAsLong();
        MetadataValue.ArrayValue a = tokens.get();
        return i >= 0 && i < a.size() ? a.stringAt((int) i) : "";
    }
}
