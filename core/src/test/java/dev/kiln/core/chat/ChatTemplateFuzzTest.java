package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Assumptions;
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
 * Random conversations (roles, whitespace, Unicode, tool calls, reasoning, enable_thinking, tools) on the eight
 * test-data templates, against Python's Jinja2: runs only with {@code -Dkiln.chat.fuzz=FILE}, a file made by
 * {@code src/test/resources/jinja/fuzz_chat.py} (Python with Jinja2 needed, so not part of the normal build).
 */
class ChatTemplateFuzzTest {

    @TestFactory
    Stream<DynamicTest> randomConversationsRenderLikeJinja2() throws IOException {
        String fuzzFile = System.getProperty("kiln.chat.fuzz");
        Assumptions.assumeTrue(fuzzFile != null, "set -Dkiln.chat.fuzz=FILE (made by fuzz_chat.py) to run");
        JsonNode root;
        try (InputStream in = new java.io.FileInputStream(fuzzFile)) {
            root = new ObjectMapper().readTree(in);
        }
        Map<String, ChatTemplate> templates = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("chat_cases")) {
            String file = c.get("template").textValue();
            String name = file + " / " + " " + tests.size()
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
