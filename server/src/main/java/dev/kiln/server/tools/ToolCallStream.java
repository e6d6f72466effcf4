package dev.kiln.server.tools;

import dev.kiln.core.chat.ReasoningSplitter;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Streams a reply's content while watching for the family's tool-call marker: text before the marker is content,
 * a possible partial marker is held back, and everything from the marker on is the tool-call section. Calls are
 * streamed as {@link ToolCallDelta}s: where the family writes arguments as raw text after the name (Mistral's
 * {@code name[ARGS]{...}}), the arguments go out as they are generated; otherwise each call goes out whole at the end.
 * A section that does not parse is returned as content (a model that merely mentioned the marker).
 */
public final class ToolCallStream {

    /** The end of a reply: content not yet emitted, the calls, and the last deltas of the calls. */
    public record Result(String content, List<ToolCall> calls, List<ToolCallDelta> deltas) {
    }

    private enum State { SCAN, CALL, PLAIN }

    /** What has been streamed of one call. */
    private record Streamed(String id, String name, int argumentChars) {
    }

    private final ToolCallParser parser;
    private final StringBuilder held = new StringBuilder();
    private final List<Streamed> streamed = new ArrayList<>();
    private final List<ToolCallDelta> pending = new ArrayList<>();
    private State state = State.SCAN;

    public ToolCallStream(ToolCallParser parser) {
        this.parser = parser;
    }

    /** True once the reply has entered a tool-call section (content deltas stop). */
    public boolean inCall() {
        return state == State.CALL;
    }

    /** Returns the content that can be emitted now; call deltas are collected for {@link #takeDeltas()}. */
    public String push(String content) {
        if (state == State.PLAIN) {
            return content;
        }
        held.append(content);
        if (state == State.CALL) {
            streamPartial();
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
            streamPartial();
            return out;
        }
        int keep = ReasoningSplitter.partialSuffix(held, marker);
        String out = held.substring(0, held.length() - keep);
        held.delete(0, held.length() - keep);
        return out;
    }

    /** The call deltas produced since the last call. */
    public List<ToolCallDelta> takeDeltas() {
        List<ToolCallDelta> out = List.copyOf(pending);
        pending.clear();
        return out;
    }

    public Result finish() {
        String rest = held.toString();
        held.setLength(0);
        if (state != State.CALL) {
            return new Result(rest, List.of(), List.of());
        }
        List<ToolCallParser.PartialCall> partial = parser.partial(rest);
        if (!partial.isEmpty()) {
            List<ToolCall> calls = new ArrayList<>();
            for (int i = 0; i < partial.size(); i++) {
                ToolCallParser.PartialCall c = partial.get(i);
                String arguments = c.arguments().strip();
                Streamed s = header(i, c);
                if (arguments.length() > s.argumentChars()) {
                    pending.add(new ToolCallDelta(i, null, null, arguments.substring(s.argumentChars())));
                }
                calls.add(new ToolCall(s.id(), s.name(), arguments));
            }
            return new Result("", calls, takeDeltas());
        }
        Optional<List<ToolCall>> parsed = parser.parse(rest);
        if (parsed.isEmpty()) {
            return new Result(rest, List.of(), List.of());
        }
        List<ToolCall> calls = parsed.get();
        for (int i = 0; i < calls.size(); i++) {
            ToolCall c = calls.get(i);
            pending.add(new ToolCallDelta(i, c.id(), c.name(), ""));
            pending.add(new ToolCallDelta(i, null, null, c.arguments()));
        }
        return new Result("", calls, takeDeltas());
    }

    /** Streams what the partial section adds: new calls' headers and more argument text. */
    private void streamPartial() {
        List<ToolCallParser.PartialCall> calls = parser.partial(held.toString());
        for (int i = 0; i < calls.size(); i++) {
            ToolCallParser.PartialCall c = calls.get(i);
            Streamed s = header(i, c);
            String arguments = c.arguments();
            int safe = arguments.length();
            if (!c.complete()) {
                // hold back what may be the start of the next call's marker, and trailing whitespace (stripped at the end)
                safe -= ReasoningSplitter.partialSuffix(arguments, parser.marker());
                while (safe > 0 && Character.isWhitespace(arguments.charAt(safe - 1))) {
                    safe--;
                }
            }
            if (safe > s.argumentChars()) {
                pending.add(new ToolCallDelta(i, null, null, arguments.substring(s.argumentChars(), safe)));
                streamed.set(i, new Streamed(s.id(), s.name(), safe));
            }
        }
    }

    /** The streamed state of call {@code i}, sending its id and name first if not yet sent. */
    private Streamed header(int i, ToolCallParser.PartialCall c) {
        if (i < streamed.size()) {
            return streamed.get(i);
        }
        Streamed s = new Streamed(c.id() != null ? c.id() : ToolCallParser.newCallId(), c.name(), 0);
        streamed.add(s);
        pending.add(new ToolCallDelta(i, s.id(), s.name(), ""));
        return s;
    }
}
