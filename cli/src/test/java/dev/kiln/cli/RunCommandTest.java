package dev.kiln.cli;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RunCommandTest {

    @Test
    void greedyStories260KPrintsTheStory() {
        Path model = TestData.require("real/stories260K.gguf");
        CliRun run = CliRun.of("run", "-m", model.toString(), "-p", "Once upon a time", "-n", "50", "--temp", "0", "-t", "1");
        assertEquals(0, run.status(), run.err());
        // the llama2.c reference text of testdata/real/README.md, continued from the prompt
        assertTrue(run.out().startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside"
                + " in the park. One day, she saw a big, red ball."), run.out());
        assertTrue(run.err().contains("tokens/s"), run.err());
        assertTrue(run.err().contains("generation:     50 tokens"), run.err());
    }

    /** The README's first command: no -m runs the built-in demo model, and one stderr line says so. */
    @Test
    void withoutAModelRunsTheDemo() {
        CliRun run = CliRun.of("run", "-p", "Once upon a time", "-n", "30", "--temp", "0", "-t", "1");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("Once upon a time, there was a little girl named Lily. She loved to play"), run.out());
        assertEquals(DemoModel.notice("run"), run.err().lines().findFirst().orElseThrow());
        assertTrue(run.err().contains("-m MODEL.gguf"), run.err());
        assertEquals(1, run.err().lines().filter(l -> l.contains("demo")).count(), run.err());
    }

    @Test
    void logitsStillNeedsAModel() {
        CliRun run = CliRun.of("logits", "--tokens", "1,2", "-o", "x.f32");
        assertEquals(2, run.status(), run.err());
        assertTrue(run.err().contains("-m/--model"), run.err());
    }

    @Test
    void noDisplayPromptPrintsOnlyTheContinuation() {
        Path model = TestData.require("real/stories260K.gguf");
        CliRun run = CliRun.of("run", "-m", model.toString(), "-p", "Once upon a time", "-n", "5", "--temp", "0",
                "--no-display-prompt", "-t", "1");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith(", there was a little"), run.out());
    }

    @Test
    void sameSeedSameText() {
        Path model = TestData.require("real/stories260K.gguf");
        String[] args = {"run", "-m", model.toString(), "-p", "Lily", "-n", "30", "--seed", "42", "-t", "1"};
        CliRun a = CliRun.of(args);
        CliRun b = CliRun.of(args);
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out(), b.out());
    }

    @Test
    void invalidFlagsGetOneLineAndExit2() {
        Path model = TestData.require("real/stories260K.gguf");
        String m = model.toString();
        for (String[] bad : new String[][] {
                {"run", "-m", m, "-p", "x", "--top-p", "2"},
                {"run", "-m", m, "-p", "x", "--temp", "warm"},
                {"run", "-m", m, "-p", "x", "-n", "-5"},
                {"run", "-m", m},
                {"run", "-m", m, "-p", "x", "-sys", "be nice"},
        }) {
            CliRun run = CliRun.of(bad);
            assertEquals(2, run.status(), String.join(" ", bad) + " -> " + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
        }
        // negative, zero and huge values: one line naming the flag, exit 2
        for (String[] flag : new String[][] {
                {"-c", "-1"}, {"-c", "-2147483648"}, {"-c", "99999999999"}, {"-c", "many"},
                {"-b", "0"}, {"-b", "-512"}, {"-b", "99999999999"},
                {"-t", "0"}, {"-t", "-1"}, {"-t", "5000"}, {"-t", "2147483647"},
                {"-n", "-2"}, {"-n", "-2147483648"}, {"-n", "99999999999"},
        }) {
            CliRun run = CliRun.of("run", "-m", m, "-p", "x", flag[0], flag[1]);
            String what = flag[0] + " " + flag[1] + " -> " + run.err();
            assertEquals(2, run.status(), what);
            assertEquals(1, run.err().strip().lines().count(), what);
            assertTrue(run.err().contains(flag[0]), what);
        }
        CliRun top = CliRun.of("run", "-m", m, "-p", "x", "--top-p", "2");
        assertTrue(top.err().contains("--top-p"), top.err());
    }

    @Test
    void conversationReadsTurnsFromStdinThroughTheChatTemplate() {
        Path model = TestData.require("synthetic/qwen3-small.Q4_K_M.gguf");
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Hello\nAgain\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            CliRun run = CliRun.of("run", "-m", model.toString(), "-cnv", "-sys", "Be brief.", "-n", "4", "--temp", "0",
                    "-t", "1", "-c", "256");
            assertEquals(0, run.status(), run.err());
            assertEquals(4, run.out().split("> ", -1).length, run.out()); // a prompt before each turn and before end of input
            assertTrue(run.err().contains("generation:      8 tokens"), run.err());
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void contextZeroIsTheModelsAndAHugeBatchIsCappedAtTheContext() {
        Path model = TestData.require("real/stories260K.gguf");
        CliRun zero = CliRun.of("run", "-m", model.toString(), "-p", "Once upon a time", "-n", "5", "--temp", "0",
                "-t", "1", "-c", "0", "-b", "2147483647", "--verbose");
        assertEquals(0, zero.status(), zero.err());
        assertTrue(zero.err().contains("generation:      5 tokens"), zero.err());
        // -c 0 is the model's training context: the same as a -c above it, which loading caps
        CliRun capped = CliRun.of("run", "-m", model.toString(), "-p", "Once", "-n", "1", "-t", "1", "-c", "1000000",
                "--verbose");
        assertEquals(0, capped.status(), capped.err());
        java.util.function.Function<String, String> context = err -> err.lines()
                .filter(l -> l.contains(", context ")).findFirst().orElseThrow()
                .replaceAll(".*, context (\\d+),.*", "$1");
        assertEquals(context.apply(capped.err()), context.apply(zero.err()));
    }

    @Test
    void reasoningBudgetIsValidatedAndAcceptedInConversation() {
        Path model = TestData.require("synthetic/qwen3-small.Q4_K_M.gguf");
        String m = model.toString();
        for (String[] bad : new String[][] {
                {"run", "-m", m, "-cnv", "--reasoning-budget", "-2"},
                {"run", "-m", m, "-p", "x", "--reasoning-budget", "5"},
                {"run", "-m", m, "-cnv", "--reasoning-budget", "99999999999"},
        }) {
            CliRun run = CliRun.of(bad);
            assertEquals(2, run.status(), String.join(" ", bad) + " -> " + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("--reasoning-budget"), run.err());
        }
        java.io.InputStream stdin = System.in;
        try {
            for (String budget : new String[] {"0", "2"}) {
                System.setIn(new java.io.ByteArrayInputStream("Hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                CliRun run = CliRun.of("run", "-m", m, "-cnv", "--reasoning-budget", budget, "-n", "4", "--temp", "0",
                        "-t", "1", "-c", "256");
                assertEquals(0, run.status(), run.err());
                assertTrue(run.err().contains("generation:      4 tokens"), run.err());
            }
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void missingModelFileIsOneLineFailure() {
        CliRun run = CliRun.of("run", "-m", "/nonexistent/model.gguf", "-p", "x");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("no such file"), run.err());
    }
}
