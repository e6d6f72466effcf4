package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln template} prints exactly what the reference renderer produced, and fails clearly. */
class TemplateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** Every tool case (with --tools, including the expected template error) and the first plain case per template. */
    @Test
    void testdataCasesFromTheCommandLine() throws IOException {
        Path dir = TestData.require("chat-templates");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".cases.json")).sorted().toList();
        }
        int checked = 0;
        for (Path f : files) {
            JsonNode root = JSON.readTree(f.toFile());
            Path tools = null;
            if (root.has("tools")) {
                tools = Files.writeString(tmp.resolve("tools.json"), root.get("tools").toString());
            }
            for (JsonNode c : root.get("cases")) {
                if (tools == null && checked > 0 && !c.equals(root.get("cases").get(0))) {
                    continue;
                }
                Path messages = Files.writeString(tmp.resolve("messages.json"), c.get("messages").toString());
                List<String> args = new ArrayList<>(List.of("template",
                        "--template", dir.resolve(root.get("template").textValue()).toString(),
                        "--messages", messages.toString(),
                        "--bos", root.get("bos_token").textValue(), "--eos", root.get("eos_token").textValue(),
                        "--now", "2026-01-15T12:00:00"));
                if (c.get("add_generation_prompt").booleanValue()) {
                    args.add("--add-generation-prompt");
                }
                if (tools != null) {
                    args.addAll(List.of("--tools", tools.toString()));
                }
                CliRun run = CliRun.of(args.toArray(String[]::new));
                String what = f.getFileName() + " / " + c.get("name").textValue();
                if (c.has("expected_error")) {
                    assertEquals(1, run.status(), what);
                    assertEquals("kiln template: " + c.get("expected_error").textValue() + "\n",
                            run.err().replace("\r\n", "\n"), what);
                    assertEquals("", run.out(), what);
                } else {
                    assertEquals(0, run.status(), what + ": " + run.err());
                    assertEquals(c.get("expected").textValue(), run.out(), what);
                }
                checked++;
            }
        }
        assertEquals(8 * 5 + 8, checked);
    }

    @Test
    void modelWithoutTemplateUsesTheFallbackAndItsSpecialTokens() throws IOException {
        Path messages = Files.writeString(tmp.resolve("m.json"),
                "[{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Yo\"},"
                        + " {\"role\": \"user\", \"content\": \"Bye\"}]");
        CliRun run = CliRun.of("template", "-m", TestData.require("real/stories260K.gguf").toString(),
                "--messages", messages.toString(), "--add-generation-prompt");
        assertEquals(0, run.status(), run.err());
        // llama2 layout; the assistant turn closes with the model's EOS text (token 2 of stories260K is "</s>").
        assertEquals("[INST] Hi [/INST]Yo</s>[INST] Bye [/INST]", run.out());
    }

    @Test
    void extraVariablesReachTheTemplate() throws IOException {
        Path qwen3 = TestData.require("chat-templates/Qwen-Qwen3-0.6B.jinja");
        Path messages = Files.writeString(tmp.resolve("m.json"), "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        CliRun thinking = CliRun.of("template", "--template", qwen3.toString(), "--messages", messages.toString(),
                "--add-generation-prompt");
        CliRun noThinking = CliRun.of("template", "--template", qwen3.toString(), "--messages", messages.toString(),
                "--add-generation-prompt", "--var", "enable_thinking=false");
        assertEquals(0, noThinking.status(), noThinking.err());
        assertEquals(thinking.out() + "<think>\n\n</think>\n\n", noThinking.out());
    }

    @Test
    void usageAndInputErrorsAreOneLine() throws IOException {
        Path messages = Files.writeString(tmp.resolve("m.json"), "[{\"role\": \"user\", \"content\": \"Hi\"}]");
        CliRun neither = CliRun.of("template", "--messages", messages.toString());
        assertEquals(2, neither.status());
        assertTrue(neither.err().contains("exactly one of -m MODEL or --template FILE"), neither.err());

        Path template = Files.writeString(tmp.resolve("t.jinja"), "{{ messages[0].content }}");
        CliRun badDate = CliRun.of("template", "--template", template.toString(), "--messages", messages.toString(),
                "--now", "yesterday");
        assertEquals(2, badDate.status());
        assertTrue(badDate.err().contains("--now"), badDate.err());

        Path bad = Files.writeString(tmp.resolve("bad.json"), "[{\"role\": \"user\", \"content\": 3}]");
        CliRun badMessages = CliRun.of("template", "--template", template.toString(), "--messages", bad.toString());
        assertEquals(1, badMessages.status());
        assertTrue(badMessages.err().contains("messages[0].content"), badMessages.err());
        assertEquals(1, badMessages.err().strip().lines().count(), badMessages.err());

        Path broken = Files.writeString(tmp.resolve("broken.jinja"), "{% for m in messages %}");
        CliRun syntax = CliRun.of("template", "--template", broken.toString(), "--messages", messages.toString());
        assertEquals(1, syntax.status());
        assertTrue(syntax.err().startsWith("kiln template: chat template line 1:"), syntax.err());

        CliRun missing = CliRun.of("template", "--template", tmp.resolve("nope.jinja").toString(),
                "--messages", messages.toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void messagesFromStandardInput() throws IOException {
        Path template = Files.writeString(tmp.resolve("t.jinja"), "{% for m in messages %}{{ m.role }}={{ m.content }};{% endfor %}");
        java.io.InputStream saved = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream(
                    "[{\"role\": \"user\", \"content\": \"ü\"}]".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            CliRun run = CliRun.of("template", "--template", template.toString(), "--messages", "-");
            assertEquals(0, run.status(), run.err());
            assertEquals("user=ü;", run.out());
        } finally {
            System.setIn(saved);
        }
    }
}
