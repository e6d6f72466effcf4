package dev.kiln.server.slot;

import dev.kiln.core.grammar.Grammar;

/**
 * A grammar a reply must follow ({@code response_format}, {@code json_schema}, {@code grammar}, or a tool-call
 * grammar), and where it starts: from the first token ({@code trigger} null), or lazily, once the reply contains
 * {@code trigger} (a tool call the model opens under {@code tool_choice: "auto"}, or the end of a think block), in
 * which case the grammar reads the reply from the trigger on ({@code triggerIncluded}) or after it.
 *
 * @param atStartOnly the trigger counts only at the very start of the reply (Llama 3 JSON calls)
 */
public record OutputConstraint(Grammar grammar, String trigger, boolean triggerIncluded, boolean atStartOnly) {

    /** The grammar from the first token on. */
    public static OutputConstraint always(Grammar grammar) {
        return new OutputConstraint(grammar, null, false, false);
    }
}
