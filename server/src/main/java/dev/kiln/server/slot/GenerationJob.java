package dev.kiln.server.slot;

import dev.kiln.core.chat.ThinkTags;
import dev.kiln.server.tools.ToolCallParser;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One request as the scheduler runs it: the prompt tokens, the settings, how to read the reply (think tags, tool-call
 * format), and the queue of {@link GenerationEvent}s the HTTP handler drains. The queue is unbounded (a reply is
 * bounded by {@code max_tokens} and the slot context), so a slow client never blocks the scheduler loop.
 * {@link #cancel()} (client gone) makes the scheduler free the slot at the start of its next step.
 */
public final class GenerationJob {

    final int[] prompt;                 // [promptTokens]
    final GenerationParams params;
    final ThinkTags thinkTags;          // null: no reasoning split
    final boolean promptOpensThinking;
    final ToolCallParser toolParser;    // null: no tool calls expected
    private final BlockingQueue<GenerationEvent> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    public GenerationJob(int[] prompt, GenerationParams params, ThinkTags thinkTags, boolean promptOpensThinking,
                         ToolCallParser toolParser) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        this.prompt = prompt.clone();
        this.params = params;
        this.thinkTags = thinkTags;
        this.promptOpensThinking = promptOpensThinking;
        this.toolParser = toolParser;
    }

    public int promptTokens() {
        return prompt.length;
    }

    /** The client went away: stop generating and free the slot. */
    public void cancel() {
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    /** The next event, or null after {@code timeoutMillis}. */
    public GenerationEvent next(long timeoutMillis) throws InterruptedException {
        return events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    void emit(GenerationEvent event) {
        events.add(event);
    }
}
