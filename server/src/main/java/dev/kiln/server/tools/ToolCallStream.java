package dev.kiln.server.tools;

import java.util.List;
import java.util.Optional;

import dev.kiln.server.chat.ReasoningSplitter;

/**
 * Streams a reply's content while watching for the family's tool-call marker: text before the marker is content,
 * a possible partial marker is held back, and everything from the marker on is kept for {@link ToolCallParser#parse}
 * at the end. If the section does not parse, it is returned as content (a model that merely mentioned the marker).
 */
public final class ToolCallStream {

    /** The end of a reply: content not yet emitted and the calls, if the reply made any. */
    public record Result(String content, List<ToolCall> calls) {
    }

    private enum State { SCAN, CALL, PLAIN }

    private final ToolCallParser parser;
    private final StringBuilder held = new StringBuilder();
    private State state = State.SCAN;
    private boolean sawContent;

    public ToolCallStream(ToolCallParser parser) {
        this.parser = parser;
    }

    /** True once the reply has entered a tool-call section (content deltas stop). */
    public boolean inCall() {
        return state == State.CALL;
    }

    /** Returns the content that can be emitted now. */
    public String push(String content) {
        if (state == State.PLAIN) {
            return content;
        }
        held.append(content);
        if (state == State.CALL) {
            return "";
        }
        String marker = parser.marker();
        if (parser.markerAtStartOnly()) {
            String s = held.toString().stripLeading();
            if (s.startsWith(marker)) {
                state = State.CALL;
                return "";
            }
            if (s.isEmpty()) {
                return "";
            }
            state = State.PLAIN;
            String out = held.toString();
            held.setLength(0);
            return out;
        }
        int at = held.indexOf(marker);
        if (at >= 0) {
            String out = held.substring(0, at);
            held.delete(0, at);
            state = State.CALL;
            sawContent |= !out.isBlank();
            return out;
        }
        int keep = ReasoningSplitter.partialSuffix(held, marker);
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        sawContent |= !out.isBlank();
        return out;
    }

    public Result finish() {
        String rest = held.toString();
        held.setLength(0);
        if (state == State.CALL) {
            Optional<List<ToolCall>> calls = parser.parse(rest);
            if (calls.isPresent()) {
                return new Result("", calls.get());
            }
        }
        return new Result(rest, List.of());
    }
}
