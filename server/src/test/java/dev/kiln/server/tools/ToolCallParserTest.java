package dev.kiln.server.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parses the assistant tool-call turns that the test data's real templates render back into the calls they were
 * rendered from: the text a template writes for a call is the text the model produces when it calls a tool.
 */
class ToolCallParserTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> END_OF_TURN = List.of("</s>", "<|im_end|>", "<|eot_id|>",
            "<\uff5ctool\u2581calls\u2581end\uff5c>");

    @Test
    void everyTemplatesRenderedToolCallsParseBackIntoTheSameCalls() throws IOException {
        Path dir = TestData.require("chat-templates");
        List<String> checked = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".tools.cases.json")).sorted().toList()) {
                JsonNode cases = JSON.readTree(file.toFile());
                String template = Files.readString(dir.resolve(cases.get("template").asText()));
                ToolCallParser parser = ToolCallParser.forTemplate(template)
                        .orElseThrow(() -> new AssertionError("no tool-call format recognized for " + file));
                for (JsonNode c : cases.get("cases")) {
                    if (!c.has("expected")) {
                        continue;
                    }
                    JsonNode messages = c.get("messages");
                    for (int i = 1; i < messages.size(); i++) {
                        JsonNode m = messages.get(i);
                        if (!m.has("tool_calls")) {
                            continue;
                        }
                        String where = file.getFileName() + " " + c.get("name").asText();
                        String turn = assistantTurn(c.get("expected").asText(), messages.get(i - 1).get("content").asText(),
                                parser.marker(), where);
                        checkCalls(m.get("tool_calls"), parser.parse(turn), where);
                        checkStreamed(parser, turn, m.get("tool_calls"), where);
                        checked.add(where);
                    }
                }
            }
        }
        assertTrue(checked.size() >= 8 * 3 - 2, "checked only " + checked);
    }

    /** The assistant's tool-call text: from the family's marker after the user's message to the end of the turn. */
    private static String assistantTurn(String rendered, String userContent, String marker, String where) {
        int user = rendered.indexOf(userContent);
        assertTrue(user >= 0, where + ": user message not found");
        int start = rendered.indexOf(marker, user + userContent.length());
        assertTrue(start >= 0, where + ": no tool-call marker after the user message");
        int end = rendered.length();
        for (String eot : END_OF_TURN) {
            int at = rendered.indexOf(eot, start);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return rendered.substring(start, end);
    }

    private static void checkCalls(JsonNode expected, Optional<List<ToolCall>> parsed, String where) throws IOException {
        assertTrue(parsed.isPresent(), where + ": not parsed");
        List<ToolCall> calls = parsed.get();
        assertEquals(expected.size(), calls.size(), where);
        for (int k = 0; k < calls.size(); k++) {
            JsonNode e = expected.get(k);
            ToolCall call = calls.get(k);
            assertEquals(e.at("/function/name").asText(), call.name(), where);
            assertEquals(e.at("/function/arguments"), JSON.readTree(call.arguments()), where);
            assertTrue(call.id().matches("[A-Za-z0-9]{9}"), where + ": id " + call.id());
        }
    }

    /**
     * The same text fed one character at a time, as a streamed reply: no content leaks, and the call deltas add up
     * to the same calls (ids and names in each call's first delta, the arguments in pieces).
     */
    private static void checkStreamed(ToolCallParser parser, String turn, JsonNode expected, String where) throws IOException {
        ToolCallStream stream = new ToolCallStream(parser);
        StringBuilder content = new StringBuilder();
        List<ToolCallDelta> deltas = new ArrayList<>();
        turn.codePoints().forEach(cp -> {
            content.append(stream.push(Character.toString(cp)));
            deltas.addAll(stream.takeDeltas());
        });
        int beforeEnd = deltas.size();
        ToolCallStream.Result result = stream.finish();
        deltas.addAll(result.deltas());
        assertEquals("", content.toString() + result.content(), where);
        checkCalls(expected, Optional.of(result.calls()), where);
        List<StringBuilder> arguments = new ArrayList<>();
        for (ToolCallDelta d : deltas) {
            if (d.id() != null) {
                assertEquals(arguments.size(), d.index(), where);
                assertEquals(result.calls().get(d.index()).id(), d.id(), where);
                assertEquals(result.calls().get(d.index()).name(), d.name(), where);
                arguments.add(new StringBuilder());
            }
            arguments.get(d.index()).append(d.arguments());
        }
        assertEquals(expected.size(), arguments.size(), where);
        for (int k = 0; k < arguments.size(); k++) {
            assertEquals(expected.get(k).at("/function/arguments"), JSON.readTree(arguments.get(k).toString()), where);
        }
        if (!parser.partial(turn).isEmpty()) {
            assertTrue(beforeEnd > expected.size(), where + ": arguments were not streamed before the end");
        }
    }

    @Test
    void mistralCallIdsAreKeptWhenTheModelWritesThem() {
        List<ToolCall> calls = new MistralToolCalls().parse(
                "[TOOL_CALLS]get_weather[CALL_ID]aB3dE5fG7[ARGS]{\"city\": \"Bern\"}[TOOL_CALLS]read_file[ARGS]{\"path\": \"x\"}")
                .orElseThrow();
        assertEquals("aB3dE5fG7", calls.get(0).id());
        assertEquals("{\"city\":\"Bern\"}", calls.get(0).arguments());
        assertEquals("read_file", calls.get(1).name());
    }

    @Test
    void textThatOnlyMentionsTheMarkerStaysContent() {
        ToolCallStream stream = new ToolCallStream(new HermesToolCalls());
        String said = stream.push("Use <tool_call> tags like <tool_call>this</tool_call>.");
        ToolCallStream.Result end = stream.finish();
        assertEquals("Use <tool_call> tags like <tool_call>this</tool_call>.", said + end.content());
        assertTrue(end.calls().isEmpty());
        ToolCallStream llama = new ToolCallStream(new Llama3ToolCalls());
        assertEquals("The set {1, 2} is small.", llama.push("The set {1, 2} is small.") + llama.finish().content());
        assertTrue(new Llama3ToolCalls().parse("{\"no\": \"name\"}").isEmpty());
        assertTrue(new MistralToolCalls().parse("[TOOL_CALLS]broken[ARGS]{not json").isEmpty());
    }
}
