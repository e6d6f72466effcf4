package dev.kiln.core.chat;

/**
 * Splits streamed model text into reasoning (inside the first think block) and content, as llama-server's default
 * {@code --reasoning-format} does: text between the open and close tag goes to {@code reasoning_content}, the rest to
 * {@code content}; whitespace around the block is dropped. A tag split across tokens is held back until decided.
 */
public final class ReasoningSplitter {

    /** What one piece of input produced. */
    public record Split(String reasoning, String content) {
        static final Split EMPTY = new Split("", "");
    }

    private enum State { BEFORE, THINKING, AFTER_THINKING, CONTENT }

    private final ThinkTags tags;
    private State state;
    private final StringBuilder held = new StringBuilder();
    private boolean reasoningStarted;

    /** @param startsThinking the prompt already opened the think block */
    public ReasoningSplitter(ThinkTags tags, boolean startsThinking) {
        this.tags = tags;
        this.state = startsThinking ? State.THINKING : State.BEFORE;
    }

    /** True while the model is inside a think block (used for the reasoning budget). */
    public boolean thinking() {
        return state == State.THINKING;
    }

    public Split push(String text) {
        held.append(text);
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        boolean progress = true;
        while (progress && !held.isEmpty()) {
            progress = switch (state) {
                case BEFORE -> before();
                case THINKING -> thinking(reasoning);
                case AFTER_THINKING -> afterThinking();
                case CONTENT -> {
                    content.append(held);
                    held.setLength(0);
                    yield true;
                }
            };
        }
        return reasoning.isEmpty() && content.isEmpty() ? Split.EMPTY : new Split(reasoning.toString(), content.toString());
    }

    /** End of generation: releases held text (an unclosed think block stays reasoning). */
    public Split flush() {
        String rest = held.toString();
        held.setLength(0);
        return switch (state) {
            case THINKING -> new Split(rest, "");
            case AFTER_THINKING -> Split.EMPTY;
            default -> new Split("", rest.strip().isEmpty() && state == State.BEFORE ? "" : rest);
        };
    }

    private boolean before() {
        String s = held.toString().stripLeading();
        if (s.startsWith(tags.open())) {
            held.setLength(0);
            held.append(s.substring(tags.open().length()).stripLeading());
            state = State.THINKING;
            return true;
        }
        if (s.isEmpty() || tags.open().startsWith(s)) {
            return false;                       // maybe the start of the open tag: wait
        }
        state = State.CONTENT;
        return true;
    }

    private boolean thinking(StringBuilder reasoning) {
        if (!reasoningStarted) {
            int ws = 0;
            while (ws < held.length() && Character.isWhitespace(held.charAt(ws))) {
                ws++;
            }
            held.delete(0, ws);
            if (held.isEmpty()) {
                return false;
            }
        }
        int end = held.indexOf(tags.close());
        if (end >= 0) {
            reasoning.append(held.substring(0, end).stripTrailing());
            String rest = held.substring(end + tags.close().length());
            held.setLength(0);
            held.append(rest);
            state = State.AFTER_THINKING;
            return true;
        }
        int keep = partialSuffix(held, tags.close());
        // trailing whitespace before the close tag is dropped, so hold it back too
        int emit = held.length() - keep;
        while (emit > 0 && Character.isWhitespace(held.charAt(emit - 1))) {
            emit--;
        }
        reasoning.append(held, 0, emit);
        held.delete(0, emit);
        reasoningStarted |= emit > 0;
        return false;
    }

    private boolean afterThinking() {
        String s = held.toString().stripLeading();
        held.setLength(0);
        if (s.isEmpty()) {
            return false;
        }
        held.append(s);
        state = State.CONTENT;
        return true;
    }

    /** Length of the longest suffix of {@code text} that is a proper prefix of {@code tag}. */
    public static int partialSuffix(CharSequence text, String tag) {
        int max = Math.min(text.length(), tag.length() - 1);
        for (int n = max; n > 0; n--) {
            boolean match = true;
            for (int i = 0; i < n && match; i++) {
                match = text.charAt(text.length() - n + i) == tag.charAt(i);
            }
            if (match) {
                return n;
            }
        }
        return 0;
    }
}
