package dev.kiln.core.grammar;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

class GbnfTest {

    private static Grammar sample(String name) throws IOException {
        return Grammar.gbnf(Files.readString(TestData.require("gbnf/" + name)));
    }

    @Test
    void jsonGrammarAcceptsObjectsAndRejectsOthers() throws IOException {
        Grammar g = sample("json.gbnf");
        assertTrue(g.matches("{\"a\": [1, 2.5e3, \"x\\n\", true, null, {}]}"));
        assertTrue(g.matches("{}"));
        assertFalse(g.matches("[1]"));
        assertFalse(g.matches("{\"a\" 1}"));
        assertFalse(g.matches("{\"a\": 01}"));
        assertFalse(g.matches("{\"a\": 1"));
    }
}
