package dev.kiln.server.slot;

import dev.kiln.core.chat.ReasoningSplitter;
import dev.kiln.server.chat.StopMatcher;
import dev.kiln.server.model.Detokenizer;
import dev.kiln.server.tools.ToolCall;
import dev.kiln.server.tools.ToolCallDelta;
import dev.kiln.server.tools.ToolCallParser;
import dev.kiln.server.tools.ToolCallStream;

import java.util.List;

/**
 * The text side of one reply, token by token: detokenize, cut at a stop string, split off the think block, and
 * watch for a tool-call section. Each stage holds back text only while it cannot yet decide, so streaming and
 * non-streaming replies are the same text.
 */
final class ReplyPipeline {

    /** New text of the reply and tool-call pieces. */
    record Piece(String content, String reasoning, List<ToolCallDelta> toolCalls) {
    }

    /** The end of a reply: the last text, the last tool-call pieces and the calls. */
    record End(String content, String reasoning, List<ToolCallDelta> toolCallDeltas, List<ToolCall> calls) {
    }

    private final Detokenizer detokenizer;
    private final StopMatcher stops;
    private final ReasoningSplitter reasoning;      // null: the model does not think
    private final ToolCallStream tools;             // null: no tools in the request

    ReplyPipeline(Detokenizer detokenizer, List<String> stops, ReasoningSplitter reasoning, ToolCallParser tools) {
        this.detokenizer = detokenizer;
        this.stops = new StopMatcher(stops);
        this.reasoning = reasoning;
        this.tools = tools == null ? null : new ToolCallStream(tools);
    }

    boolean stopped() {
        return stops.stopped();
    }

    boolean thinking() {
        return reasoning != null && reasoning.thinking();
    }

    /** What is now safe to emit. */
    Piece push(int token) {
        String[] text = route(stops.push(detokenizer.next(token)), false);
        return new Piece(text[0], text[1], tools == null ? List.of() : tools.takeDeltas());
    }

    End finish() {
        String[] last = route(stops.stopped() ? "" : stops.push(detokenizer.flush()) + stops.flush(), true);
        if (tools == null) {
            return new End(last[0], last[1], List.of(), List.of());
        }
        List<ToolCallDelta> before = tools.takeDeltas();
        ToolCallStream.Result result = tools.finish();
        List<ToolCallDelta> deltas = new java.util.ArrayList<>(before);
        deltas.addAll(result.deltas());
        return new End(last[0] + result.content(), last[1], deltas, result.calls());
    }

    private String[] route(String text, boolean end) {
        String content = text;
        String thought = "";
        if (reasoning != null) {
            ReasoningSplitter.Split split = reasoning.push(text);
            content = split.content();
            thought = split.reasoning();
            if (end) {
                ReasoningSplitter.Split rest = reasoning.flush();
                content += rest.content();
                thought += rest.reasoning();
            }
        }
        if (tools != null && !content.isEmpty()) {
            content = tools.push(content);
        }
        return new String[] {content, thought};
    }
}
