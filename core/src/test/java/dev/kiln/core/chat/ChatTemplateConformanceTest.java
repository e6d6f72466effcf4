package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;

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
        return Jinja2ChatCases.of(root, (c, i) -> c.get("conversation").textValue());
    }
}
