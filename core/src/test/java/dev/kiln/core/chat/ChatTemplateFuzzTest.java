package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.stream.Stream;

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
        return Jinja2ChatCases.of(root, (c, i) -> " " + i);
    }
}
