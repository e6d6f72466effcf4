package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.DynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs {@code chat_cases} rendered by Python's Jinja2 (each: template file, messages, add_generation_prompt,
 * variables, then {@code expected} output or the {@code error} Jinja2 raised) as dynamic tests: the output must match
 * byte for byte, and where Jinja2 failed we must fail too, with a {@code raise_exception} message matching exactly.
 */
final class Jinja2ChatCases {
    private Jinja2ChatCases() {}

    /** @param name the display name of case {@code c}, given its index */
    static Stream<DynamicTest> of(JsonNode root, BiFunction<JsonNode, Integer, String> name) {
        Map<String, ChatTemplate> templates = new HashMap<>();
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("chat_cases")) {
            String file = c.get("template").textValue();
            String label = file + " / " + name.apply(c, tests.size())
                    + (c.get("add_generation_prompt").booleanValue() ? " +gen" : "");
            tests.add(DynamicTest.dynamicTest(label, () -> check(c, templates.computeIfAbsent(file, Jinja2ChatCases::load))));
        }
        return tests.stream();
    }

    private static ChatTemplate load(String file) {
        try {
            return ChatTemplate.of(Files.readString(TestData.require("chat-templates/" + file)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void check(JsonNode c, ChatTemplate t) {
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
    }
}
