package dev.kiln.core.chat.jinja;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.chat.JsonValues;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Snippets exercising whitespace control, literals, operators, loops, scoping, macros, filters, tests, Python
 * string methods and {@code tojson}, rendered by Python's Jinja2 in Hugging Face's environment
 * ({@code src/test/resources/jinja/generate_conformance.py} made {@code conformance.json}); our interpreter must
 * print the same bytes, fail where Jinja2 fails, and raise the same {@code raise_exception} message.
 */
class JinjaConformanceTest {
    static final LocalDateTime NOW = LocalDateTime.of(2026, 1, 15, 12, 0, 0);

    @TestFactory
    Stream<DynamicTest> rendersLikePythonJinja2() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/jinja/conformance.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        int i = 0;
        for (JsonNode c : root.get("cases")) {
            String template = c.get("template").textValue();
            @SuppressWarnings("unchecked")
            Map<String, Object> vars = (Map<String, Object>) JsonValues.fromNode(c.get("variables"));
            String name = String.format("%02d %s", i++, template.replace("\n", "\\n"));
            tests.add(DynamicTest.dynamicTest(name.length() > 90 ? name.substring(0, 90) : name, () -> {
                if (c.has("expected")) {
                    assertEquals(c.get("expected").textValue(), Template.parse(template).render(vars, NOW));
                } else {
                    String error = c.get("error").textValue();
                    TemplateException e = assertThrows(TemplateException.class,
                            () -> Template.parse(template).render(vars, NOW));
                    if (error.startsWith("raised: ")) {
                        assertTrue(e.raisedByTemplate());
                        assertEquals(error.substring("raised: ".length()), e.getMessage());
                    }
                }
            }));
        }
        return tests.stream();
    }
}
