package dev.kiln.core.chat;

import java.util.Optional;

/**
 * The tags a reasoning model wraps its thinking in: {@code <think>...</think>} (DeepSeek-R1, Qwen3) or
 * {@code [THINK]...[/THINK]} (Magistral, Ministral reasoning). Recognized from the chat template source, as
 * llama-server does for its reasoning formats.
 */
public record ThinkTags(String open, String close) {

    public static final ThinkTags XML = new ThinkTags("<think>", "</think>");
    public static final ThinkTags MISTRAL = new ThinkTags("[THINK]", "[/THINK]");

    /** The tags the template mentions, if any. */
    public static Optional<ThinkTags> detect(String templateSource) {
        if (templateSource.contains("[THINK]")) {
            return Optional.of(MISTRAL);
        }
        if (templateSource.contains("<think>") || templateSource.contains("</think>")) {
            return Optional.of(XML);
        }
        return Optional.empty();
    }

    /** True when the rendered prompt already opened a think block (DeepSeek-R1 templates end with {@code "<think>\n"}). */
    public boolean promptOpensThinking(String prompt) {
        String p = prompt.stripTrailing();
        return p.endsWith(open);
    }

    /** An empty think block, appended to the prompt to switch thinking off in templates without enable_thinking. */
    public String emptyBlock() {
        return open + "\n\n" + close + "\n\n";
    }

    /** The text that ends a think block early (the reasoning budget inserts it so the model goes on to answer). */
    public String closing() {
        return "\n" + close + "\n\n";
    }

    /**
     * A rendered prompt with thinking switched off, for templates without {@code enable_thinking}: a prompt that
     * opened the think block gets it closed, any other an empty block.
     */
    public String withoutThinking(String prompt) {
        return prompt + (promptOpensThinking(prompt) ? closing() : emptyBlock());
    }
}
