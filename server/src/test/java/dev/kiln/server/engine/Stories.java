package dev.kiln.server.engine;

import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.generate.Generation;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.sampling.Samplers;
import dev.kiln.core.tokenizer.TokenDecoder;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.testdata.TestData;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The real stories260K model for server tests, and the engine's own greedy continuation of a prompt (one sequence,
 * no server) to compare the server's replies with. One compute thread: on the shared 2-core CI machine the CPU
 * backend's thread hand-offs cost more than this tiny model's arithmetic.
 */
public final class Stories {

    private Stories() {
    }

    public static Path file() {
        return TestData.require("real/stories260K.gguf");
    }

    public static LoadOptions options() {
        return LoadOptions.defaults().withThreads(1);
    }

    /** The decoded greedy continuation of {@code prompt} (BOS added, special tokens parsed), at most {@code max} tokens. */
    public static String greedy(String prompt, int max) throws IOException {
        try (Model model = Kiln.load(file(), options().withContextSize(256)); KvCache cache = model.newCache(1, 256)) {
            Tokenizer tokenizer = Tokenizers.from(model.metadata());
            Generation g = new Generator(model.forward(), cache, 0).generate(tokenizer.encode(prompt, true, true), max,
                    Samplers.greedy(), tokenizer.vocabulary()::isEndOfGeneration, t -> true);
            TokenDecoder d = tokenizer.decoder(false);
            StringBuilder s = new StringBuilder();
            for (int t : g.tokens()) {
                s.append(d.feed(t));
            }
            return s.append(d.flush()).toString();
        }
    }
}
