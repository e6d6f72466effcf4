package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.chat.jinja.TemplateException;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of {@code testdata/chat-templates/*.cases.json} and {@code *.tools.cases.json} renders byte for byte
 * as Python's Jinja2 did (or fails with the expected {@code raise_exception} message), with {@code strftime_now}
 * fixed to 2026-01-15 12:00:00 as the README says.
 */
class ChatTemplateCasesTest {
    static final LocalDateTime README_NOW = LocalDateTime.of(2026, 1, 15, 12, 0, 0);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    record Case(String file, String name, String template, RenderOptions options, List<ChatMessage> messages,
                String expected, String expectedError) { }

    static List<Case> cases() throws IOException {
        Path dir = TestData.require("chat-templates");
        List<Case> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".cases.json")).sorted().toList()) {
                JsonNode root = MAPPER.readTree(f.toFile());
                String template = Files.readString(dir.resolve(root.get("template").textValue()));
                for (JsonNode c : root.get("cases")) {
                    RenderOptions.Builder options = RenderOptions.builder()
                            .addGenerationPrompt(c.get("add_generation_prompt").booleanValue())
                            .bosToken(root.get("bos_token").textValue())
                            .eosToken(root.get("eos_token").textValue())
                            .now(README_NOW);
                    if (root.has("tools")) {
                        options.toolsJson(root.get("tools").toString());
                    }
                    out.add(new Case(f.getFileName().toString(), c.get("name").textValue(), template, options.build(),
                            ChatMessage.listFromJson(c.get("messages").toString()),
                            c.has("expected") ? c.get("expected").textValue() : null,
                            c.has("expected_error") ? c.get("expected_error").textValue() : null));
                }
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyCaseRendersByteForByte() throws IOException {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.file() + " / " + c.name()
                + (c.options().addGenerationPrompt() ? " +gen" : ""), () -> {
            ChatTemplate t = ChatTemplate.of(c.template());
            if (c.expectedError() != null) {
                TemplateException e = assertThrows(TemplateException.class, () -> t.render(c.messages(), c.options()));
                assertEquals(c.expectedError(), e.getMessage());
                assertTrue(e.raisedByTemplate());
            } else {
                assertEquals(c.expected(), t.render(c.messages(), c.options()));
            }
        }));
    }

    @Test
    void allCasesAreThere() throws IOException {
        List<Case> all = cases();
        assertEquals(104, all.size(), "8 templates x (8 plain + 5 tool cases)");
        assertEquals(1, all.stream().filter(c -> c.expectedError() != null).count());
    }
}
