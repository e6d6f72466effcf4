package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Completion;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.Session;
import dev.kiln.core.grammar.Grammar;
import dev.kiln.core.grammar.GrammarException;
import dev.kiln.core.grammar.GrammarMatcher;
import dev.kiln.core.grammar.TokenTrie;
import dev.kiln.core.sampling.SamplingParams;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.gguf.GgufFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The grammar engine's speed on one thread: compile time per JSON Schema of the test cases (p50, p95), and the
 * time to compute the allowed-token mask per generated token (mean, p50, p99) at several vocabularies, over a
 * random walk per schema (each token drawn uniformly among the allowed ones, as a random-weight model would; a
 * fresh grammar per schema and vocabulary, so first-time work is included). With a model, also decoding speed with
 * and without a JSON Schema.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar dev.kiln.bench.GrammarReport \
 *     CASES_DIR VOCAB.gguf... [model=MODEL.gguf] [every=10] [tokens=64]</pre>
 */
public final class GrammarReport {

    private GrammarReport() {
    }

    public static void main(String[] args) throws IOException {
        Path cases = null;
        List<Path> vocabs = new ArrayList<>();
        Path model = null;
        int every = 10;
        int tokens = 64;
        for (String a : args) {
            if (a.startsWith("model=")) {
                model = Path.of(a.substring(6));
            } else if (a.startsWith("every=")) {
                every = Integer.parseInt(a.substring(6));
            } else if (a.startsWith("tokens=")) {
                tokens = Integer.parseInt(a.substring(7));
            } else if (cases == null) {
                cases = Path.of(a);
            } else {
                vocabs.add(Path.of(a));
            }
        }
        if (cases == null) {
            System.err.println("GrammarReport: CASES_DIR VOCAB.gguf... [model=MODEL.gguf] [every=N] [tokens=N]");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> schemas = new ArrayList<>();
        try (Stream<Path> files = Files.list(cases)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                schemas.add(json.readTree(f.toFile()).get("schema"));
            }
        }
        // compile time: two passes, the second one timed (a server compiles with a warm JIT)
        List<Grammar> compiled = new ArrayList<>();
        double[] compileMillis = new double[schemas.size()];
        int ok = 0;
        for (int pass = 0; pass < 2; pass++) {
            ok = 0;
            compiled.clear();
            for (JsonNode s : schemas) {
                long t0 = System.nanoTime();
                try {
                    Grammar g = Grammar.jsonSchema(s);
                    compileMillis[ok++] = (System.nanoTime() - t0) / 1e6;
                    compiled.add(g);
                } catch (GrammarException e) {
                    // refused: not timed
                }
            }
        }
        double[] c = Arrays.copyOf(compileMillis, ok);
        Arrays.sort(c);
        System.out.printf("compile: %d schemas compiled of %d, p50 %.2f ms, p95 %.2f ms, max %.1f ms%n", ok,
                schemas.size(), c[ok / 2], c[(int) (ok * 0.95)], c[ok - 1]);

        for (Path v : vocabs) {
            Tokenizer tokenizer;
            try (GgufFile f = GgufFile.open(v)) {
                tokenizer = Tokenizers.from(f.metadata());
            }
            long t0 = System.nanoTime();
            TokenTrie trie = TokenTrie.of(tokenizer, TokenTrie.MARKERS);
            double trieMillis = (System.nanoTime() - t0) / 1e6;
            List<Double> times = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(7);
            for (int i = 0; i < schemas.size(); i += every) {
                Grammar g;
                try {
                    g = Grammar.jsonSchema(schemas.get(i));   // fresh: nothing cached
                } catch (GrammarException e) {
                    continue;
                }
                GrammarMatcher m = g.bind(trie).matcher();
                for (int step = 0; step < tokens && !m.isComplete(); step++) {
                    long s0 = System.nanoTime();
                    long[] mask = m.mask();
                    times.add((System.nanoTime() - s0) / 1e3);
                    int token = pick(mask, trie, random);
                    if (token < 0 || trie.isEndOfGeneration(token)) {
                        break;
                    }
                    m.accept(token);
                }
            }
            double[] t = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double mean = Arrays.stream(t).average().orElse(0);
            System.out.printf("vocab %-28s %7d tokens (trie %6d nodes, %5.0f ms): mask mean %7.1f us, p50 %7.1f us,"
                            + " p99 %8.1f us over %d tokens%n", v.getFileName(), trie.vocabularySize(), trie.nodes(),
                    trieMillis, mean, t[t.length / 2], t[(int) (t.length * 0.99)], t.length);
        }

        if (model != null) {
            decodeSpeed(model, json);
        }
    }

    private static int pick(long[] mask, TokenTrie trie, SplittableRandom random) {
        int n = 0;
        for (long w : mask) {
            n += Long.bitCount(w);
        }
        if (n == 0) {
            return -1;
        }
        int k = random.nextInt(n);
        for (int t = 0; t < trie.vocabularySize(); t++) {
            if ((mask[t >>> 6] >>> t & 1) != 0 && k-- == 0) {
                return t;
            }
        }
        return -1;
    }

    /** Tokens per second decoding the same number of tokens with and without a JSON Schema. */
    private static void decodeSpeed(Path file, ObjectMapper json) throws IOException {
        Grammar schema = Grammar.jsonSchema("{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"},"
                + " \"items\": {\"type\": \"array\", \"items\": {\"type\": \"object\", \"properties\": {\"id\":"
                + " {\"type\": \"integer\"}, \"label\": {\"type\": \"string\"}}}}}}");
        try (Model model = Kiln.load(file, LoadOptions.defaults().withThreads(1).withContextSize(512))) {
            model.tokenTrie();
            double[] plain = new double[3];
            double[] constrained = new double[3];
            for (int r = 0; r < 3; r++) {
                plain[r] = rate(model, SamplingParams.DEFAULTS.withSeed(r));
                constrained[r] = rate(model, SamplingParams.DEFAULTS.withSeed(r).withGrammar(schema));
            }
            Arrays.sort(plain);
            Arrays.sort(constrained);
            System.out.printf("decode %s: %.2f tok/s unconstrained, %.2f tok/s under a JSON Schema (%.3fx)%n",
                    file.getFileName(), plain[1], constrained[1], constrained[1] / plain[1]);
        }
    }

    private static double rate(Model model, SamplingParams params) {
        try (Session s = model.newSession()) {
            Completion c = s.generate("{", params, 48, piece -> { });
            return c.stats().generatedTokens() / (c.stats().generationNanos() / 1e9);
        }
    }
}
