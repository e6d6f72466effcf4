package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Beyond the test-data cases: the eight real templates on harder conversations (content parts, reasoning
 * content, {@code enable_thinking}, wrong role order, unknown roles, missing tool ids, null content, empty
 * conversations), rendered by Python's Jinja2 ({@code chat_cases} of {@code /jinja/conformance.json}, made by
 * {@code generate_conformance.py}). Output must match byte for byte; where Jinja2 failed we must fail too, and
 * {@code raise_exception} messages must match exactly.
 */
class ChatTemplateConformanceTest {

    @TestFactory
    Stream<DynamicTest> harderConversationsRenderLikeJinja2() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/jinja/conformance.json")) {
            root = new ObjectMapper().readTree(in);
        }
        Map<String, ChatTemplate> templates = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("chat_cases")) {
            String file = c.get("template").textValue();
            String name = file + " / " + c.get("conversation").textValue()
                    + (c.get("add_generation_prompt").booleanValue() ? " +gen" : "");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                ChatTemplate t = templates.computeIfAbsent(file, f -> {
                    try {
                        return ChatTemplate.of(Files.readString(TestData.require("chat-templates/" + f)));
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                List<ChatMessage> messages = ChatMessage.listFromJson(c.get("messages").toString());
                RenderOptions.Builder o = RenderOptions.builder().bosToken("<s>").eosToken("</s>")
                        .addGenerationPrompt(c.get("add_generation_prompt").booleanValue())
                        .now(ChatTemplateCasesTest.README_NOW);
                c.get("variables").properties().forEach(e -> o.variable(e.getKey(), JsonValues.fromNode(e.getValue())));
                if (c.has("expected")) {
                    assertEquals(c.get("expected").textValue(), t.render(messages, o.build()));
                } else {
                    String error = c.get("error").textValue();
                    TemplateException e = assertThrows(TemplateException.class, () -> t.render(messages, o.build()));
                    if (error.startsWith("raised: ")) {
                        assertTrue(e.raisedByTemplate(), e.getMessage());
                        assertEquals(error.substring("raised: ".length()), e.getMessage());
                    }
                }
            }));
        }
        return tests.stream();
    }
}
