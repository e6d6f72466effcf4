package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.graph.OpProfile;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln bench} on a fake model: llama-bench's call pattern, one row per combination, the three formats. */
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records every call; each decoded token costs a little busy time so rates are finite. */
    static final class FakeModel implements BenchModel {
        final int threads;
        final List<String> calls = new ArrayList<>();

        FakeModel(int threads) {
            this.threads = threads;
        }

        @Override
        public String description() {
            return "cpu, " + threads + " threads, q8 activations";
        }

        @Override
        public int vocabSize() {
            return 100;
        }

        @Override
        public int bosToken() {
            return 1;
        }

        @Override
        public String backend() {
            return "CPU";
        }

        @Override
        public void clear() {
            calls.add("clear");
        }

        @Override
        public void decode(int[] tokens, int position) {
            for (int t : tokens) {
                assertTrue(t >= 0 && t < 100);
            }
            calls.add(tokens.length + "@" + position + (position == 0 ? ":" + tokens[0] : ""));
            long end = System.nanoTime() + 20_000L * tokens.length;
            while (System.nanoTime() < end) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void profile(OpProfile profile) {
            calls.add(profile == null ? "profile off" : "profile on");
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    private record Run(int status, String out, String err, List<FakeModel> models) {}

    private static Run run(String... args) {
        List<FakeModel> models = new ArrayList<>();
        BenchCommand command = new BenchCommand((path, threads, ngl, batch, context, precision) -> {
            FakeModel m = new FakeModel(threads);
            models.add(m);
            return m;
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int status = cli.execute(args);
        return new Run(status, out.toString(), err.toString(), models);
    }

    private static String model() {
        return TestData.require("real/stories260K.gguf").toString();
    }

    @Test
    void callsFollowLlamaBench() {
        Run r = run("-m", model(), "-p", "40", "-n", "3", "-r", "2", "-t", "2", "-b", "16");
        assertEquals(0, r.status(), r.err());
        assertEquals(1, r.models().size());
        // pp40: warm-up then 2 runs, each cleared, in batches of 16 (BOS first); tg3: warm-up of 1 token, 2 runs
        List<String> pp = List.of("clear", "16@0:1", "16@16", "8@32");
        List<String> tg = List.of("clear", "1@0:1", "1@1", "1@2");
        List<String> expected = new ArrayList<>();
        expected.addAll(pp);
        expected.addAll(pp);
        expected.addAll(pp);
        expected.addAll(List.of("clear", "1@0:1"));
        expected.addAll(tg);
        expected.addAll(tg);
        expected.add("close");
        assertEquals(expected, r.models().getFirst().calls);
    }

    @Test
    void eachLoadSaysItsPathOnStderrNotInTheTable() {
        Run r = run("-m", model(), "-p", "4", "-n", "0", "-r", "1", "-t", "1,2");
        assertEquals(0, r.status(), r.err());
        assertEquals(2, r.models().size());
        List<String> lines = r.err().lines().filter(l -> l.startsWith("kiln bench: ")).toList();
        assertEquals(List.of("kiln bench: CPU: cpu, 1 threads, q8 activations",
                "kiln bench: CPU: cpu, 2 threads, q8 activations"), lines, r.err());
        assertFalse(r.out().contains("q8 activations"), r.out());
    }

    @Test
    void profileCoversTheTimedRunsOnlyAndFollowsTheTable() throws IOException {
        Run r = run("-m", model(), "-p", "8", "-n", "2", "-r", "2", "-t", "2", "--profile");
        assertEquals(0, r.status(), r.err());
        // warm-up and timed runs unprofiled, then as many runs again, each between profile on and off
        List<String> pp = List.of("clear", "8@0:1");
        List<String> ppProfiled = List.of("clear", "profile on", "8@0:1", "profile off");
        List<String> tg = List.of("clear", "1@0:1", "1@1");
        List<String> tgProfiled = List.of("clear", "profile on", "1@0:1", "1@1", "profile off");
        List<String> expected = new ArrayList<>(pp);
        expected.addAll(pp);
        expected.addAll(pp);
        expected.addAll(ppProfiled);
        expected.addAll(ppProfiled);
        expected.addAll(List.of("clear", "1@0:1"));
        expected.addAll(tg);
        expected.addAll(tg);
        expected.addAll(tgProfiled);
        expected.addAll(tgProfiled);
        expected.add("close");
        assertEquals(expected, r.models().getFirst().calls);
        String out = r.out();
        int table = out.indexOf(" tg2 |");
        int ppProfile = out.indexOf("profile: pp8, CPU, threads 2, 2 more runs: 0 forward passes");
        int tgProfile = out.indexOf("profile: tg2, CPU, threads 2, 2 more runs: 0 forward passes");
        assertTrue(table > 0 && ppProfile > table && tgProfile > ppProfile, out);
        assertTrue(out.contains("no forward pass was profiled"), out); // the fake computes nothing

        // with -o json the tables go to stderr and stdout stays one JSON array
        Run json = run("-m", model(), "-p", "8", "-n", "0", "-r", "1", "-t", "2", "--profile", "-o", "json");
        assertEquals(0, json.status(), json.err());
        assertEquals(1, JSON.readTree(json.out()).size());
        assertTrue(json.err().contains("profile: pp8"), json.err());
    }

    @Test
    void engineProfileListsEachWeightRoleAndOp() {
        String model = TestData.require("synthetic/llama-small.Q4_K_M.gguf").toString();
        CliRun r = CliRun.of("bench", "-m", model, "-p", "8", "-n", "0", "-r", "1", "-t", "1", "--profile");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("profile: pp8, CPU q8, threads 1, 1 more runs: 1 forward passes"), r.out());
        for (String row : List.of("| matMul        | attn_q         | Q4_K  |       4 |",
                "| matMul        | output         | Q6_K  |       1 |", "| rmsNorm       |                |       |       9 |",
                "| attention     |                |       |       4 |", "| (between ops) |")) {
            assertTrue(r.out().contains(row), row + "\n" + r.out());
        }
    }

    @Test
    void depthFillsTheContextBeforeEachTimedRun() {
        Run r = run("-m", model(), "-p", "8", "-n", "2", "-d", "0,20", "-r", "1", "-t", "1", "-b", "16");
        assertEquals(0, r.status(), r.err());
        // at depth 20: 16+4 untimed tokens (BOS first), then the test's tokens at positions 20.. without BOS
        List<String> fill = List.of("clear", "16@0:1", "4@16");
        List<String> expected = new ArrayList<>(List.of("clear", "8@0:1", "clear", "8@0:1", "clear", "1@0:1", "clear", "1@0:1", "1@1"));
        for (int i = 0; i < 2; i++) { // warm-up and timed run
            expected.addAll(fill);
            expected.add("8@20");
        }
        expected.addAll(fill);
        expected.add("1@20");
        expected.addAll(fill);
        expected.addAll(List.of("1@20", "1@21"));
        expected.add("close");
        assertEquals(expected, r.models().getFirst().calls);
        assertTrue(r.out().contains("pp8 @ d20"), r.out());
        assertTrue(r.out().contains("tg2 @ d20"), r.out());
        assertTrue(run("-m", model(), "-p", "8", "-n", "0", "-d", "-1").status() != 0);
    }

    @Test
    void markdownHasOneRowPerCombinationAndTest() {
        Run r = run("-m", model(), "-p", "8", "-n", "2", "-r", "2", "-t", "1,2", "-ngl", "0");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2 + 4, lines.size(), r.out());
        assertTrue(lines.getFirst().contains("model") && lines.getFirst().contains("t/s"), lines.getFirst());
        assertTrue(lines.get(2).contains(" pp8 |") && lines.get(2).contains("| llama 293K "), lines.get(2));
        assertTrue(lines.get(3).contains(" tg2 |"), lines.get(3));
        assertTrue(lines.get(4).matches(".*\\|\\s+2 \\|\\s+512 \\|\\s+pp8 \\|.*"), lines.get(4));
        assertTrue(lines.get(5).matches(".*\\d+\\.\\d\\d ± \\d+\\.\\d\\d \\|$"), lines.get(5));
        assertEquals(List.of(1, 2), r.models().stream().map(m -> m.threads).toList());
    }

    @Test
    void jsonAndCsvCarryLlamaBenchFields() throws IOException {
        Run j = run("-m", model(), "-p", "8", "-n", "4", "-r", "3", "-t", "1", "-o", "json");
        assertEquals(0, j.status(), j.err());
        JsonNode rows = JSON.readTree(j.out());
        assertEquals(2, rows.size());
        JsonNode tg = rows.get(1);
        assertEquals("tg4", tg.get("test").asText());
        assertEquals(0, tg.get("n_prompt").asInt());
        assertEquals(4, tg.get("n_gen").asInt());
        assertEquals(3, tg.get("samples_ns").size());
        double mean = 0;
        for (JsonNode ns : tg.get("samples_ns")) {
            mean += 4 * 1e9 / ns.asDouble() / 3;
        }
        assertEquals(mean, tg.get("avg_ts").asDouble(), 1e-6 * mean);
        assertTrue(tg.get("avg_ns").asLong() >= 4 * 20_000L);
        assertEquals("stories260K.gguf", tg.get("model_filename").asText());

        Run c = run("-m", model(), "-p", "8", "-n", "4", "-r", "3", "-t", "1", "-o", "csv");
        assertEquals(0, c.status(), c.err());
        List<String> lines = c.out().lines().toList();
        assertEquals(3, lines.size());
        assertTrue(lines.getFirst().startsWith("model_filename,model_type,model_size"), lines.getFirst());
        assertEquals(lines.getFirst().split(",").length, lines.get(1).split(",").length, lines.get(1));
    }

    @Test
    void invalidValuesAreUsageErrors() {
        String m = model();
        for (String[] args : List.of(new String[] {"bench", "-m", m, "-r", "0"},
                new String[] {"bench", "-m", m, "-t", "1,0"},
                new String[] {"bench", "-m", m, "-p", "0", "-n", "0"},
                new String[] {"bench", "-m", m, "-b", "-4"},
                new String[] {"bench", "-m", m, "-o", "xml"})) {
            CliRun r = CliRun.of(args);
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
        }
        CliRun missing = CliRun.of("bench", "-m", Path.of("no-such.gguf").toString(), "-p", "8", "-n", "0");
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("no-such.gguf"), missing.err());
    }

    @Test
    void modelTypeNamesFollowLlamaCpp() {
        assertEquals("llama 7B Q4_K - Medium", BenchReport.modelType("llama", 7_248_023_552L, 15));
        assertEquals("qwen3 8B Q2_K - Medium", BenchReport.modelType("qwen3", 8_190_735_360L, 10));
        assertEquals("llama 1B Q8_0", BenchReport.modelType("llama", 1_100_048_384L, 7));
    }
}
