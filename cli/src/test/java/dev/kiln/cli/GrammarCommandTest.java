package dev.kiln.cli;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class GrammarCommandTest {

    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void checkExitsZeroOneOrTwo() throws IOException {
        Path schema = file("s.json", "{\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\","
                + " \"maximum\": 9}}, \"required\": [\"n\"]}");
        CliRun ok = CliRun.of("grammar", "--json-schema-file", schema.toString(), "--check", file("a.json", "{\"n\":3}").toString());
        assertEquals(0, ok.status(), ok.err());
        assertTrue(ok.out().startsWith("accepted"), ok.out());
        CliRun rejected = CliRun.of("grammar", "--json-schema-file", schema.toString(), "--check",
                file("b.json", "{\"n\":12}").toString());
        assertEquals(1, rejected.status());
        assertTrue(rejected.out().contains("rejected at byte 6"), rejected.out());
        CliRun unfinished = CliRun.of("grammar", "--json-schema-file", schema.toString(), "--check",
                file("c.json", "{\"n\":3").toString());
        assertEquals(1, unfinished.status());
        CliRun refused = CliRun.of("grammar", "--json-schema", "{\"not\": {}}", "--check", file("d.json", "1").toString());
        assertEquals(2, refused.status());
        assertTrue(refused.err().contains("#/not"), refused.err());
        CliRun gbnf = CliRun.of("grammar", "--grammar-file", file("g.gbnf", "root ::= \"a\" (\n").toString(), "--check",
                file("e.txt", "a").toString());
        assertEquals(2, gbnf.status());
        assertTrue(gbnf.err().contains("line "), gbnf.err());
        CliRun sample = CliRun.of("grammar", "--grammar-file", TestData.require("gbnf/json.gbnf").toString(), "--check",
                file("f.json", "{\"a\": [1, true]}").toString());
        assertEquals(0, sample.status(), sample.out() + sample.err());
    }

    @Test
    void casesPrintsATableAndTheTotals() throws IOException {
        Path cases = Files.createDirectory(dir.resolve("cases"));
        Files.writeString(cases.resolve("Demo---one.json"), "{\"schema\": {\"type\": \"integer\", \"minimum\": 0},"
                + " \"tests\": [{\"data\": 3, \"valid\": true}, {\"data\": -1, \"valid\": false}]}");
        Files.writeString(cases.resolve("Demo---two.json"), "{\"schema\": {\"type\": \"array\", \"uniqueItems\": true},"
                + " \"tests\": [{\"data\": [1], \"valid\": true}]}");
        Files.writeString(cases.resolve("Other---x.json"), "{\"schema\": {\"type\": \"string\", \"maxLength\": 2},"
                + " \"tests\": [{\"data\": \"abc\", \"valid\": true}]}");
        CliRun run = CliRun.of("grammar", "--cases", cases.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().matches("(?s).*Demo\\s+2\\s+1\\s+1\\s+0\\n.*"), run.out());
        assertTrue(run.out().matches("(?s).*Other\\s+1\\s+1\\s+0\\s+0\\n.*"), run.out());
        assertTrue(run.out().endsWith("1/3 cases fully correct, 0 invalid instances accepted\n"), run.out());
    }

    @Test
    void runWithAJsonSchemaPrintsValidJson() throws IOException {
        Path model = TestData.require("synthetic/llama-small.Q4_0.gguf");
        CliRun run = CliRun.of("run", "-m", model.toString(), "-p", "Person:", "--no-display-prompt", "-n", "60",
                "--seed", "1", "-t", "1", "--json-schema", "{\"type\": \"object\", \"properties\": {\"age\": {\"type\":"
                        + " \"integer\", \"minimum\": 0, \"maximum\": 99}}, \"required\": [\"age\"],"
                        + " \"additionalProperties\": false}");
        assertEquals(0, run.status(), run.err());
        String json = run.out().strip();
        assertTrue(json.matches("\\{\\s?\"age\"\\s?:\\s?\\d{1,2}\\s?\\}"), json);
        CliRun bad = CliRun.of("run", "-m", model.toString(), "-p", "x", "--json-schema", "{\"type\": \"strnig\"}");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("#/type"), bad.err());
    }
}
