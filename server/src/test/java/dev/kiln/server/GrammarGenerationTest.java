package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.SpecVersionDetector;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.Session;
import dev.kiln.core.grammar.Grammar;
import dev.kiln.core.grammar.GrammarException;
import dev.kiln.core.sampling.SamplingParams;
import dev.kiln.core.synth.ModelShape;
import dev.kiln.core.synth.ModelShapes;
import dev.kiln.core.synth.QuantMix;
import dev.kiln.core.synth.SynthWriter;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generation under JSON Schemas on a random-weight {@code kiln synth} model, whose unconstrained output is noise:
 * 100 seeded generations for each of 20 real-world schemas of the test cases must all parse and validate (checked
 * with networknt's validator, not with Kiln's engine), and so must replies through the server with
 * {@code response_format} and with {@code tool_choice: "required"}.
 */
class GrammarGenerationTest {

    @TempDir
    static Path dir;
    static Path modelFile;
    static List<Path> schemas = new ArrayList<>();

    /** A TinyLlama-shaped model made small enough that 2,000 generations take seconds. */
    @BeforeAll
    static void synthesize() throws Exception {
        ModelShape shape = ModelShapes.TINYLLAMA_1_1B.with(Map.of("block_count", "1", "embedding_length", "64",
                "feed_forward_length", "128", "attention.head_count", "2", "attention.head_count_kv", "1",
                "attention.key_length", "32", "vocab_size", "1024", "context_length", "8192"));
        modelFile = dir.resolve("tiny.gguf");
        new SynthWriter(shape, QuantMix.Q8_0, 11, null).write(modelFile, null);
        Path cases = TestData.require("json-schema/cases");
        Map<String, Integer> perCategory = new HashMap<>();
        try (Stream<Path> files = Files.list(cases)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                String category = dev.kiln.core.grammar.SchemaCases.category(name);
                JsonNode schema = Http.JSON.readTree(f.toFile()).get("schema");
                String text = schema.toString();
                if (schemas.size() >= 20 || perCategory.getOrDefault(category, 0) >= 2 || text.contains("\"format\"")
                        || text.contains("\"pattern") || text.length() > 3000) {
                    continue;
                }
                try {
                    Grammar g = Grammar.jsonSchema(schema);
                    if (g.distanceToEnd(g.initial()) > 120) {
                        continue;
                    }
                    validator(schema);
                } catch (GrammarException e) {
                    continue;
                } catch (RuntimeException e) {
                    continue;   // a schema the validator library cannot load (e.g. a draft-04 "id" it rejects)
                }
                schemas.add(f);
                perCategory.merge(category, 1, Integer::sum);
            }
        }
        assertEquals(20, schemas.size());
    }

    static JsonSchema validator(JsonNode schema) {
        SpecVersion.VersionFlag version = SpecVersionDetector.detectOptionalVersion(schema, false)
                .orElse(SpecVersion.VersionFlag.V7);
        return JsonSchemaFactory.getInstance(version).getSchema(schema);
    }

    @Test
    void hundredSeededGenerationsPerSchemaAllValidate() throws Exception {
        int generations = 0;
        try (Model model = Kiln.load(modelFile, LoadOptions.defaults().withThreads(1).withContextSize(1024));
             Session session = model.newSession()) {
            for (Path f : schemas) {
                JsonNode schema = Http.JSON.readTree(f.toFile()).get("schema");
                Grammar grammar = Grammar.jsonSchema(schema);
                JsonSchema check = validator(schema);
                int budget = grammar.distanceToEnd(grammar.initial()) + 40;
                for (int seed = 0; seed < 100; seed++) {
                    session.reset();
                    SamplingParams params = SamplingParams.DEFAULTS.withTemperature(1.0f).withSeed(seed)
                            .withGrammar(grammar);
                    String text = session.generate("JSON:", params, budget, piece -> { }).text();
                    JsonNode value;
                    try {
                        value = Http.JSON.readTree(text);
                    } catch (Exception e) {
                        throw new AssertionError(f.getFileName() + " seed " + seed + ": not JSON: " + text, e);
                    }
                    assertTrue(check.validate(value).isEmpty(), f.getFileName() + " seed " + seed + ": " + text
                            + " " + check.validate(value));
                    generations++;
                }
            }
        }
        assertEquals(2000, generations);
    }

    private static final String HERMES_TEMPLATE = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}"
            + "<|im_end|>\n{% endfor %}{% if tools %}<tools>{% for t in tools %}{{ t | tojson }}{% endfor %}</tools>"
            + " Answer with <tool_call>\n{\"name\": ..., \"arguments\": ...}\n</tool_call>{% endif %}"
            + "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

    @Test
    void throughTheServerResponseFormatAndRequiredToolCallsValidate() throws Exception {
        Server server = Server.start(ServerConfig.defaults().withPort(0));
        try {
            server.serve(EngineModels.open(modelFile, LoadOptions.defaults().withThreads(1), 8192, 1,
                    HERMES_TEMPLATE, Map.of()));
            Http http = new Http(server.uri(), null);
            for (Path f : schemas) {
                JsonNode schema = Http.JSON.readTree(f.toFile()).get("schema");
                JsonSchema check = validator(schema);
                Grammar g = Grammar.jsonSchema(schema);
                int budget = g.distanceToEnd(g.initial()) + 40;
                for (int seed = 0; seed < 3; seed++) {
                    String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"JSON please\"}], \"seed\": " + seed
                            + ", \"max_tokens\": " + budget + ", \"response_format\": {\"type\": \"json_schema\","
                            + " \"json_schema\": {\"name\": \"x\", \"schema\": " + schema + "}}}";
                    Http.Reply r = http.post("/v1/chat/completions", body);
                    assertEquals(200, r.status(), r.body());
                    String content = r.json().at("/choices/0/message/content").asText();
                    assertTrue(check.validate(Http.JSON.readTree(content)).isEmpty(), f.getFileName() + ": " + content);

                    String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"fill\", \"parameters\": "
                            + schema + "}}]";
                    String call = "{\"messages\": [{\"role\": \"user\", \"content\": \"call it\"}], \"seed\": " + seed
                            + ", \"max_tokens\": " + (budget + 40) + ", \"tools\": " + tools
                            + ", \"tool_choice\": \"required\"}";
                    Http.Reply t = http.post("/v1/chat/completions", call);
                    assertEquals(200, t.status(), t.body());
                    JsonNode calls = t.json().at("/choices/0/message/tool_calls");
                    assertTrue(calls.isArray() && !calls.isEmpty(), f.getFileName() + ": " + t.body());
                    for (JsonNode c : calls) {
                        String args = c.at("/function/arguments").asText();
                        assertTrue(check.validate(Http.JSON.readTree(args)).isEmpty(), f.getFileName() + ": " + args);
                    }
                }
            }
        } finally {
            server.close();
        }
    }
}
