package dev.kiln.cli;

import dev.kiln.core.grammar.Grammar;
import dev.kiln.core.grammar.MatchState;
import dev.kiln.core.grammar.SchemaCases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code kiln grammar}: compiles a grammar or JSON Schema without a model and checks text against it, or runs a
 * folder of JSON Schema test cases. Exit status for {@code --check}: 0 the whole text is accepted, 1 rejected (the
 * byte offset is printed), 2 the grammar or schema is refused (with the reason).
 */
@Command(name = "grammar", mixinStandardHelpOptions = true,
        description = "Check text against a GBNF grammar or JSON Schema, or run JSON Schema test cases.",
        footer = {"", "Examples:",
                "  kiln grammar --json-schema-file person.schema.json --check reply.json",
                "  kiln grammar --grammar-file json.gbnf --check reply.json",
                "  kiln grammar --cases ../shared/testdata/json-schema/cases"})
final class GrammarCommand implements Callable<Integer> {

    @Mixin
    GrammarOptions grammar;

    @Option(names = "--check", paramLabel = "TEXT_FILE", description = "Text to match against the grammar.")
    Path check;

    @Option(names = "--cases", paramLabel = "DIR",
            description = "Run every JSON Schema case file of DIR; print a row per category and the totals.")
    Path cases;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        if (cases != null) {
            if (!Files.isDirectory(cases)) {
                throw new UsageException("--cases: no such folder: " + cases);
            }
            List<SchemaCases.Case> results = SchemaCases.run(cases);
            out.print(SchemaCases.report(results));
            out.flush();
            return results.stream().anyMatch(c -> c.invalidAccepted() > 0) ? 1 : 0;
        }
        if (check == null) {
            throw new UsageException("--check TEXT_FILE or --cases DIR is needed");
        }
        Grammar g = grammar.compile();
        if (g == null) {
            throw new UsageException("--check: give the grammar with --grammar-file, --grammar, --json-schema or"
                    + " --json-schema-file");
        }
        if (!Files.isRegularFile(check)) {
            throw new UsageException("--check: no such file: " + check);
        }
        byte[] text = Files.readAllBytes(check);
        MatchState s = g.initial();
        for (int i = 0; i < text.length; i++) {
            MatchState next = g.next(s, text[i] & 0xff);
            if (next.isDead()) {
                out.println("rejected at byte " + i + " (" + describe(text, i) + ")");
                out.flush();
                return 1;
            }
            s = next;
        }
        if (!s.canEnd()) {
            out.println("rejected: the text ends before the grammar does (" + g.distanceToEnd(s)
                    + " more bytes at least)");
            out.flush();
            return 1;
        }
        out.println("accepted (" + text.length + " bytes)");
        out.flush();
        return 0;
    }

    private static String describe(byte[] text, int at) {
        int from = Math.max(0, at - 20);
        String before = new String(text, from, at - from, StandardCharsets.UTF_8);
        String after = new String(text, at, Math.min(text.length - at, 10), StandardCharsets.UTF_8);
        return "after \"" + before.replace("\n", "\\n") + "\", at \"" + after.replace("\n", "\\n") + "\"";
    }
}
