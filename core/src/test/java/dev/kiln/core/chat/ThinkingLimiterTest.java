package dev.kiln.core.chat;

import dev.kiln.core.sampling.Sampler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reasoning budget on a scripted model that opens a think block and never closes it on its own. */
class ThinkingLimiterTest {

    // a tiny vocabulary: id -> text
    private static final String[] PIECES = {"<think>", "hmm ", "\n", "</think>", "The answer.", "\n\n"};
    private static final int OPEN = 0, HMM = 1, NEWLINE = 2, CLOSE = 3, ANSWER = 4, BLANK = 5;
    private static final int[] CLOSING = {NEWLINE, CLOSE, BLANK};   // "\n</think>\n\n"

    /** Thinks forever: opens the block, then "hmm " until it has seen a closing tag, then answers. */
    private static final class EndlessThinker implements Sampler {
        final List<Integer> seen = new ArrayList<>();

        @Override
        public int sample(float[] logits) {
            if (!seen.contains(OPEN)) {
                return OPEN;
            }
            return seen.contains(CLOSE) ? ANSWER : HMM;
        }

        @Override
        public void accept(int token) {
            seen.add(token);
        }

        @Override
        public void reset() {
            seen.clear();
        }
    }

    /** Runs the generator's loop (sample, accept, observe) until the answer or {@code steps}; returns the text. */
    private static String generate(ThinkingLimiter limiter, int steps) {
        Sampler sampler = limiter.wrap(new EndlessThinker());
        StringBuilder text = new StringBuilder();
        float[] logits = new float[PIECES.length];
        for (int i = 0; i < steps; i++) {
            int token = sampler.sample(logits);
            sampler.accept(token);
            text.append(PIECES[token]);
            limiter.observe(PIECES[token]);
            if (token == ANSWER) {
                break;
            }
        }
        return text.toString();
    }

    @Test
    void aPositiveBudgetClosesTheThinkBlockAfterThatManyThinkingTokens() {
        for (int budget : new int[] {1, 2, 7, 40}) {
            ThinkingLimiter limiter = new ThinkingLimiter(ThinkTags.XML, false, new ReasoningBudget(budget), CLOSING);
            String text = generate(limiter, 500);
            // the open tag is the first thinking token, as in the server's scheduler
            String expected = "<think>" + "hmm ".repeat(budget - 1) + "\n</think>\n\nThe answer.";
            assertEquals(expected, text, "budget " + budget);
        }
    }

    @Test
    void aPromptThatOpenedThinkingCountsFromTheFirstToken() {
        // DeepSeek-R1 templates end the prompt with "<think>\n": every generated token is thinking
        ThinkingLimiter limiter = new ThinkingLimiter(ThinkTags.XML, true, new ReasoningBudget(3), CLOSING);
        Sampler inner = new EndlessThinker();
        inner.accept(OPEN); // the prompt's tag
        Sampler sampler = limiter.wrap(inner);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            int token = sampler.sample(new float[0]);
            sampler.accept(token);
            text.append(PIECES[token]);
            limiter.observe(PIECES[token]);
            if (token == ANSWER) {
                break;
            }
        }
        assertEquals("hmm hmm hmm \n</think>\n\nThe answer.", text.toString());
    }

    @Test
    void unlimitedNeverCloses() {
        ThinkingLimiter limiter = new ThinkingLimiter(ThinkTags.XML, false, new ReasoningBudget(-1), CLOSING);
        String text = generate(limiter, 300);
        assertFalse(text.contains("</think>"), text);
        assertEquals(300, limiter.thinkingTokens(), text); // the open tag and every "hmm " after it
    }

    @Test
    void budgetRejectsValuesBelowMinusOne() {
        assertThrows(IllegalArgumentException.class, () -> new ReasoningBudget(-2));
        ReasoningBudget b = new ReasoningBudget(2);
        assertFalse(b.countThinkingToken());
        assertTrue(b.countThinkingToken());
        assertFalse(b.countThinkingToken()); // once only
    }

    @Test
    void withoutThinkingClosesAnOpenBlockOrAddsAnEmptyOne() {
        assertEquals("x<think>\n\n</think>\n\n", ThinkTags.XML.withoutThinking("x"));
        assertEquals("x<think>\n\n</think>\n\n", ThinkTags.XML.withoutThinking("x<think>\n"));
        assertEquals("y[THINK]\n\n[/THINK]\n\n", ThinkTags.MISTRAL.withoutThinking("y"));
    }
}
