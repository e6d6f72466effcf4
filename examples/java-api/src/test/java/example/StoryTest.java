package example;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Runs the README's examples on stories260K, and checks that the README still shows exactly this code. */
class StoryTest {

    private static final Path MODEL = Path.of(System.getProperty("kiln.model", "../../testdata/real/stories260K.gguf"));
    private static final Path README = Path.of("../../README.md");

    @Test
    void theJavaApiExampleTellsLlama2cStory() throws IOException {
        String out = run(() -> Story.main(new String[] {MODEL.toString()}));
        // llama2.c's greedy story for this model (testdata/real/README.md), continued from the prompt
        assertTrue(out.startsWith(", there was a little girl named Lily. She loved to play outside in the park."
                + " One day, she saw a big, red ball."), out);
    }

    @Test
    void theLangChain4jExampleAnswers() throws IOException {
        String out = run(() -> LangChainStory.main(new String[] {MODEL.toString()}));
        assertFalse(out.isBlank(), "no reply");
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        assumeTrue(Files.isRegularFile(README), "not inside the Kiln repository");
        String readme = Files.readString(README);
        assertEquals(marked("src/main/java/example/Story.java"), block(readme, "## Java API", "```java"));
        assertEquals(marked("src/main/java/example/LangChainStory.java"), block(readme, "## LangChain4j", "```java"));
        // the dependency snippets: every <dependency> the README shows is in this pom (its version property resolved)
        String pom = squash(Files.readString(Path.of("pom.xml")).replace("${kiln.version}", "0.1.0-SNAPSHOT"));
        int found = 0;
        for (String section : List.of("## Java API", "## LangChain4j")) {
            String xml = String.join("\n", block(readme, section, "```xml"));
            Matcher dependency = Pattern.compile("<dependency>.*?</dependency>", Pattern.DOTALL).matcher(xml);
            while (dependency.find()) {
                found++;
                assertTrue(pom.contains(squash(dependency.group())),
                        "the README's dependency is not in pom.xml: " + dependency.group());
            }
        }
        assertEquals(3, found, "dependencies in the README's snippets");
    }

    /** The lines between "// README begin" and "// README end", indentation removed. */
    private static List<String> marked(String source) throws IOException {
        List<String> lines = Files.readAllLines(Path.of(source));
        int begin = lines.indexOf(lines.stream().filter(l -> l.strip().equals("// README begin")).findFirst().orElseThrow());
        int end = lines.indexOf(lines.stream().filter(l -> l.strip().equals("// README end")).findFirst().orElseThrow());
        return lines.subList(begin + 1, end).stream().map(String::strip).toList();
    }

    /** The first code block opening with {@code fence} after the heading, indentation removed. */
    private static List<String> block(String readme, String heading, String fence) {
        int at = readme.indexOf("\n" + heading + "\n");
        assertTrue(at >= 0, "no section " + heading + " in README.md");
        int start = readme.indexOf(fence + "\n", at);
        int end = readme.indexOf("\n```", start);
        assertTrue(start >= 0 && end > start, "no " + fence + " block in " + heading);
        return readme.substring(start + fence.length() + 1, end).lines().map(String::strip).toList();
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", "");
    }

    private static String run(ThrowingRunnable main) throws IOException {
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(saved);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        saved.print(out);
        return out;
    }

    private interface ThrowingRunnable {
        void run() throws IOException;
    }
}
