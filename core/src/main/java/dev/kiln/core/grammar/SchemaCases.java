package dev.kiln.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Runs JSON Schema test cases (the JSONSchemaBench / MaskBench format: {@code {"schema": ..., "tests": [{"data",
 * "valid"}, ...]}}): compiles each schema, feeds each instance's compact JSON text ({@link JsonText#write}) through
 * the grammar, and checks that valid instances are accepted to the end and invalid ones rejected. The category of a
 * case is its file name up to {@code ---} (or up to the first {@code _}).
 */
public final class SchemaCases {

    /** The outcome of one case file. */
    public record Case(String name, String category, boolean compiled, String refusal, int validAccepted,
                       int validRejected, int invalidRejected, int invalidAccepted, double compileMillis) {
        public boolean fullyCorrect() {
            return compiled && validRejected == 0 && invalidAccepted == 0;
        }
    }

    /** Totals of one category. */
    public record Row(String category, int cases, int compiled, int fullyCorrect, int invalidAccepted) {
    }

    private SchemaCases() {
    }

    /** Runs every {@code *.json} file of {@code dir}, in name order. */
    public static List<Case> run(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        List<Case> out = new ArrayList<>();
        for (Path f : files) {
            out.add(runOne(f));
        }
        return out;
    }

    public static Case runOne(Path file) throws IOException {
        String name = file.getFileName().toString().replaceAll("\\.json$", "");
        String category = category(name);
        JsonNode doc;
        try {
            doc = JsonSchemaCompiler.MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IOException(file + ": not a JSON case file: " + e.getMessage(), e);
        }
        JsonNode schema = doc.get("schema");
        JsonNode tests = doc.get("tests");
        if (schema == null || tests == null || !tests.isArray()) {
            throw new IOException(file + ": a case file needs \"schema\" and a \"tests\" array");
        }
        Grammar grammar;
        long t0 = System.nanoTime();
        try {
            grammar = Grammar.jsonSchema(schema);
        } catch (GrammarException e) {
            return new Case(name, category, false, e.getMessage(), 0, 0, 0, 0, (System.nanoTime() - t0) / 1e6);
        }
        double millis = (System.nanoTime() - t0) / 1e6;
        int va = 0;
        int vr = 0;
        int ir = 0;
        int ia = 0;
        for (JsonNode t : tests) {
            boolean valid = t.path("valid").asBoolean();
            boolean accepted = grammar.matches(JsonText.write(t.get("data")));
            if (valid) {
                if (accepted) {
                    va++;
                } else {
                    vr++;
                }
            } else if (accepted) {
                ia++;
            } else {
                ir++;
            }
        }
        return new Case(name, category, true, null, va, vr, ir, ia, millis);
    }

    public static String category(String name) {
        int dashes = name.indexOf("---");
        if (dashes >= 0) {
            return name.substring(0, dashes);
        }
        int underscore = name.indexOf('_');
        return underscore >= 0 ? name.substring(0, underscore) : name;
    }

    /** One row per category, in name order. */
    public static List<Row> table(List<Case> cases) {
        Map<String, int[]> rows = new TreeMap<>();
        for (Case c : cases) {
            int[] r = rows.computeIfAbsent(c.category(), k -> new int[4]);
            r[0]++;
            r[1] += c.compiled() ? 1 : 0;
            r[2] += c.fullyCorrect() ? 1 : 0;
            r[3] += c.invalidAccepted();
        }
        List<Row> out = new ArrayList<>();
        rows.forEach((k, r) -> out.add(new Row(k, r[0], r[1], r[2], r[3])));
        return out;
    }

    /** The table as text, ending with {@code N/M cases fully correct, K invalid instances accepted}. */
    public static String report(List<Case> cases) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%-22s %6s %9s %14s %18s%n", "category", "cases", "compiled", "fully correct",
                "invalid accepted"));
        int n = 0;
        int k = 0;
        for (Row r : table(cases)) {
            s.append(String.format("%-22s %6d %9d %14d %18d%n", r.category(), r.cases(), r.compiled(),
                    r.fullyCorrect(), r.invalidAccepted()));
            n += r.fullyCorrect();
            k += r.invalidAccepted();
        }
        s.append(n).append('/').append(cases.size()).append(" cases fully correct, ").append(k)
                .append(" invalid instances accepted\n");
        return s.toString();
    }
}
