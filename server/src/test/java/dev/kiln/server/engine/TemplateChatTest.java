package dev.kiln.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.ChatRequest;
import dev.kiln.server.api.RequestReader;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The test data's tool cases sent as OpenAI clients send them (tool-call arguments as JSON strings) through the
 * server's request reader and the real templates: byte-exact prompts (less the leading BOS, which the tokenizer
 * adds), and the template's own error where it refuses.
 */
class TemplateChatTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LocalDateTime NOW = LocalDateTime.of(2026, 1, 15, 12, 0);

    @Test
    void openAiShapedToolConversationsRenderByteExact() throws IOException {
        Path dir = TestData.require("chat-templates");
        int checked = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".tools.cases.json")).sorted().toList()) {
                JsonNode cases = JSON.readTree(file.toFile());
                String bos = cases.get("bos_token").asText();
                TemplateChat chat = new TemplateChat(ChatTemplate.of(Files.readString(dir.resolve(cases.get("template").asText()))),
                        bos, cases.get("eos_token").asText(), NOW);
                for (JsonNode c : cases.get("cases")) {
                    ObjectNode body = JSON.createObjectNode();
                    ArrayNode messages = body.putArray("messages");
                    for (JsonNode m : c.get("messages")) {
                        ObjectNode copy = m.deepCopy();
                        for (JsonNode call : copy.path("tool_calls")) {
                            ObjectNode function = (ObjectNode) call.get("function");
                            function.put("arguments", function.get("arguments").toString());   // as clients send it
                        }
                        messages.add(copy);
                    }
                    body.set("tools", cases.get("tools"));
                    ChatRequest request = RequestReader.chat(body);
                    String where = file.getFileName() + " " + c.get("name").asText();
                    boolean generation = c.get("add_generation_prompt").asBoolean();
                    if (c.has("expected_error")) {
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> chat.render(request.messages(), request.tools(), generation, java.util.Map.of()), where);
                        assertEquals(c.get("expected_error").asText(), e.getMessage(), where);
                    } else {
                        String expected = c.get("expected").asText();
                        if (!bos.isEmpty() && expected.startsWith(bos)) {
                            expected = expected.substring(bos.length());
                        }
                        assertEquals(expected, chat.render(request.messages(), request.tools(), generation,
                                java.util.Map.of()), where);
                    }
                    checked++;
                }
            }
        }
        assertEquals(8 * 5, checked);
        assertTrue(ApiException.invalid("x", "y").status() == 400);
    }
}
