package dev.kiln.core.chat;

import dev.kiln.core.sampling.Sampler;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Applies a {@link ReasoningBudget} to one generation outside the server ({@code kiln run -cnv --reasoning-budget N},
 * {@link dev.kiln.core.Session#chat}): watches the generated text with a {@link ReasoningSplitter} to know when the
 * model is inside its think block, counts those tokens, and once the budget is spent makes the wrapped sampler return
 * the tokens of {@link ThinkTags#closing()} instead of sampling, so the model goes on to answer. The server's
 * scheduler applies the same rule per slot.
 *
 * <p>Per token, call {@link #observe} with the token's decoded text (possibly empty) after the sampler returned it.
 * One instance per generation; not thread-safe.
 */
public final class ThinkingLimiter {

    private final ReasoningSplitter splitter;
    private final ReasoningBudget budget;
    private final int[] closingTokens;          // [tokens of "\n</think>\n\n"]
    private final Deque<Integer> forced = new ArrayDeque<>();

    /**
     * @param promptOpensThinking the rendered prompt ends inside an open think block
     * @param closingTokens       the tokenization of {@code tags.closing()}
     */
    public ThinkingLimiter(ThinkTags tags, boolean promptOpensThinking, ReasoningBudget budget, int[] closingTokens) {
        if (closingTokens.length == 0) {
            throw new IllegalArgumentException("the closing think tag has no tokens");
        }
        this.splitter = new ReasoningSplitter(tags, promptOpensThinking);
        this.budget = budget;
        this.closingTokens = closingTokens.clone();
    }

    /** The sampler to generate with: {@code inner}, except while the closing tag is being inserted. */
    public Sampler wrap(Sampler inner) {
        return new Sampler() {
            @Override
            public int sample(float[] logits) {
                Integer t = forced.poll();
                return t != null ? t : inner.sample(logits);
            }

            @Override
            public void accept(int token) {
                inner.accept(token);
            }

            @Override
            public void reset() {
                inner.reset();
                forced.clear();
            }
        };
    }

    /** Thinking tokens seen so far. */
    public int thinkingTokens() {
        return budget.thinkingTokens();
    }

    /** Records one generated token by its decoded text; queues the closing tag when the budget runs out. */
    public void observe(String piece) {
        splitter.push(piece);
        if (splitter.thinking() && budget.countThinkingToken()) {
            for (int t : closingTokens) {
                forced.add(t);
            }
        }
    }
}
