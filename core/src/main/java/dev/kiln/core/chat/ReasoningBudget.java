package dev.kiln.core.chat;

/**
 * The reasoning-budget rule shared by {@code kiln run} and {@code kiln serve} ({@code --reasoning-budget N}, as
 * llama-server's): -1 thinks without limit, 0 not at all (handled when the prompt is rendered: {@code
 * enable_thinking=false} or {@link ThinkTags#withoutThinking}), N &gt; 0 closes the think block after N thinking
 * tokens by inserting {@link ThinkTags#closing()}, so the model goes on to answer.
 *
 * <p>One instance per generation; not thread-safe.
 */
public final class ReasoningBudget {

    public static final int UNLIMITED = -1;

    private final int limit;
    private int thinkingTokens;
    private boolean spent;

    /** @param limit -1 unlimited, 0 none, N thinking tokens */
    public ReasoningBudget(int limit) {
        if (limit < UNLIMITED) {
            throw new IllegalArgumentException("reasoning budget: expected -1, 0 or a positive count, found " + limit);
        }
        this.limit = limit;
    }

    public int limit() {
        return limit;
    }

    /** Thinking tokens counted so far. */
    public int thinkingTokens() {
        return thinkingTokens;
    }

    /**
     * Counts one generated token that the model produced inside its think block. Returns true exactly once: when the
     * budget is used up and the caller must insert the closing tag now.
     */
    public boolean countThinkingToken() {
        thinkingTokens++;
        if (limit >= 0 && thinkingTokens >= limit && !spent) {
            spent = true;
            return true;
        }
        return false;
    }
}
