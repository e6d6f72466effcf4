package dev.kiln.cli;

import dev.kiln.core.grammar.Grammar;
import dev.kiln.core.grammar.GrammarException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The grammar flags of llama.cpp's {@code llama-cli}: {@code --grammar-file F.gbnf}, {@code --grammar TEXT},
 * {@code --json-schema JSON}, {@code --json-schema-file F}. A grammar or schema that does not compile is a usage
 * error (exit 2) whose message names the line and column or the JSON pointer.
 */
final class GrammarOptions {

    @Option(names = "--grammar-file", paramLabel = "FILE", description = "Constrain output with a GBNF grammar file.")
    Path grammarFile;

    @Option(names = "--grammar", paramLabel = "GBNF", description = "Constrain output with a GBNF grammar.")
    String grammar;

    @Option(names = {"-j", "--json-schema"}, paramLabel = "JSON",
            description = "Constrain output to JSON valid under this JSON Schema ('{}' for any JSON value).")
    String jsonSchema;

    @Option(names = "--json-schema-file", paramLabel = "FILE", description = "Like --json-schema, read from a file.")
    Path jsonSchemaFile;

    /** The compiled grammar, or null when no flag is given. */
    Grammar compile() {
        int given = (grammarFile != null ? 1 : 0) + (grammar != null ? 1 : 0) + (jsonSchema != null ? 1 : 0)
                + (jsonSchemaFile != null ? 1 : 0);
        if (given > 1) {
            throw new UsageException("--grammar-file, --grammar, --json-schema, --json-schema-file: give one of them");
        }
        try {
            if (grammarFile != null) {
                return Grammar.gbnf(read(grammarFile, "--grammar-file"));
            }
            if (grammar != null) {
                return Grammar.gbnf(grammar);
            }
            if (jsonSchema != null) {
                return Grammar.jsonSchema(jsonSchema);
            }
            if (jsonSchemaFile != null) {
                return Grammar.jsonSchema(read(jsonSchemaFile, "--json-schema-file"));
            }
        } catch (GrammarException e) {
            String flag = grammarFile != null ? "--grammar-file " + grammarFile : grammar != null ? "--grammar"
                    : jsonSchema != null ? "--json-schema" : "--json-schema-file " + jsonSchemaFile;
            throw new UsageException(flag + ": " + e.getMessage());
        }
        return null;
    }

    static String read(Path file, String flag) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(flag + ": no such file: " + file);
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException(flag + ": cannot read " + file + ": " + e.getMessage());
        }
    }
}
