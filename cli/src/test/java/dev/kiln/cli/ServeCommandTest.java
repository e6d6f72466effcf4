package dev.kiln.cli;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kiln serve} as users run it: a separate JVM prints one ready line, answers requests, and exits cleanly on
 * SIGTERM; bad flags are usage errors.
 */
class ServeCommandTest {

    @Test
    void servesUntilSigtermAndPrintsOneReadyLine() throws Exception {
        String model = TestData.require("real/stories260K.gguf").toString();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "serve", "-m", model, "--port", "0", "-t", "1", "-np", "2", "-c", "512", "--alias", "tiny"));
        Path stdout = Files.createTempFile("kiln-serve", ".out");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(stdout.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (Files.readString(stdout).indexOf('\n') < 0) {
                assertTrue(p.isAlive() && System.currentTimeMillis() < deadline, "no ready line: " + Files.readString(stdout));
                Thread.sleep(50);
            }
            String ready = Files.readString(stdout).lines().findFirst().orElseThrow();
            assertTrue(ready != null && ready.startsWith("kiln serve: listening on http://127.0.0.1:"), String.valueOf(ready));
            assertTrue(ready.contains("model tiny") && ready.contains("2 slots of 256 tokens"), ready);
            Matcher m = Pattern.compile("http://[^ ]+").matcher(ready);
            assertTrue(m.find());
            URI base = URI.create(m.group());
            HttpClient client = HttpClient.newHttpClient();
            assertEquals(200, client.send(HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(base.resolve("/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), "the chat page is on by default");
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a time\", \"max_tokens\": 4}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"model\":\"tiny\""), r.body());
            p.destroy();                                          // SIGTERM
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "still running 15 s after SIGTERM");
            assertEquals(List.of(ready), Files.readString(stdout).lines().toList(), "exactly one line on stdout");
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(stdout);
        }
    }

    /** Without -m the demo model is served under its own name, and one stderr line says so. */
    @Test
    void withoutAModelServesTheDemo() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--port", "0", "-t", "1",
                "-c", "256");
        Path stdout = Files.createTempFile("kiln-serve", ".out");
        Path stderr = Files.createTempFile("kiln-serve", ".err");
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).redirectOutput(stdout.toFile()).start();
        try {
            long deadline = System.currentTimeMillis() + 60_000;
            while (Files.readString(stdout).indexOf('\n') < 0) {
                assertTrue(p.isAlive() && System.currentTimeMillis() < deadline, "no ready line: " + Files.readString(stderr));
                Thread.sleep(50);
            }
            String ready = Files.readString(stdout).lines().findFirst().orElseThrow();
            assertTrue(ready.contains("(model stories260K, 1 slot of 256 tokens)"), ready);
            // the first line but the JVM's own incubator-module warning
            assertEquals(DemoModel.notice("serve"), Files.readString(stderr).lines()
                    .filter(l -> !l.startsWith("WARNING: Using incubator modules")).findFirst().orElseThrow());
            Matcher m = Pattern.compile("http://[^ ]+").matcher(ready);
            assertTrue(m.find());
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(m.group())
                    .resolve("/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 8, \"temperature\": 0}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            // the llama2.c reference text (testdata/real/README.md), continued from the prompt
            assertTrue(r.body().contains("\"text\":\", there was a little girl\"") && r.body().contains("\"model\":\"stories260K\""),
                    r.body());
            p.destroy();
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "still running 15 s after SIGTERM");
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }

    @Test
    void noWebuiTurnsThePageOff() {
        ServeCommand on = new ServeCommand();
        new CommandLine(on).parseArgs("-m", "model.gguf");
        assertTrue(on.serverConfig().webui());
        ServeCommand off = new ServeCommand();
        new CommandLine(off).parseArgs("-m", "model.gguf", "--no-webui");
        assertFalse(off.serverConfig().webui());
    }

    @Test
    void badFlagsAreUsageErrors() {
        String model = TestData.require("real/stories260K.gguf").toString();
        CliRun np = CliRun.of("serve", "-m", model, "-np", "0");
        assertEquals(2, np.status());
        assertTrue(np.err().contains("-np"), np.err());
        CliRun port = CliRun.of("serve", "-m", model, "--port", "70000");
        assertEquals(2, port.status());
        assertTrue(port.err().contains("--port"), port.err());
        CliRun budget = CliRun.of("serve", "-m", model, "--reasoning-budget", "-5");
        assertEquals(2, budget.status());
    }

    @Test
    void negativeZeroAndHugeValuesNameTheFlagInOneLine() {
        // none of these may start a server or load the model: each is a usage error (exit 2) naming its flag
        String model = TestData.require("real/stories260K.gguf").toString();
        for (String[] flag : new String[][] {
                {"-c", "-1"}, {"-c", "99999999999"}, {"-b", "0"}, {"-b", "-1"},
                {"-np", "0"}, {"-np", "-2"}, {"-np", "257"}, {"-np", "2147483647"},
                {"--port", "-1"}, {"--port", "65536"}, {"--port", "99999999999"},
                {"-t", "0"}, {"-t", "-4"}, {"-t", "100000"},
                {"--timeout", "0"}, {"--timeout", "-30"},
                {"--max-queue", "-1"}, {"--max-queue", "2147483647"},
        }) {
            CliRun run = CliRun.of("serve", "-m", model, flag[0], flag[1]);
            String what = flag[0] + " " + flag[1] + " -> " + run.err();
            assertEquals(2, run.status(), what);
            assertEquals(1, run.err().strip().lines().count(), what);
            assertTrue(run.err().contains(flag[0]), what);
        }
        // -c over -np must leave each slot some positions; refused before the model loads
        CliRun crowded = CliRun.of("serve", "-m", model, "-c", "256", "-np", "64");
        assertEquals(2, crowded.status(), crowded.err());
        assertTrue(crowded.err().contains("-np") && crowded.err().contains("positions per slot"), crowded.err());
    }
}
