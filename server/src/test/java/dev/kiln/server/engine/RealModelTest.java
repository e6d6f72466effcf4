package dev.kiln.server.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.generate.Generation;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.sampling.Samplers;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.server.Server;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.GenerationEvent;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.GenerationParams;
import dev.kiln.server.slot.SlotScheduler;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server on the real stories260K model: greedy replies equal the engine's own single-sequence generation,
 * alone and beside seven other requests in the same batches, and through HTTP.
 */
class RealModelTest {

    private static final String PROMPT = "Once upon a time, there was a little girl";
    private static Path file;
    private static String reference;          // the engine's greedy continuation, decoded

    @BeforeAll
    static void engineReference() throws Exception {
        file = Stories.file();
        reference = Stories.greedy(PROMPT, 40);
        assertTrue(reference.length() > 20, "reference: " + reference);
    }

    private static String drain(GenerationJob job) throws InterruptedException {
        StringBuilder s = new StringBuilder();
        while (true) {
            GenerationEvent e = job.next(30_000);
            switch (e) {
                case null -> throw new AssertionError("no reply");
                case GenerationEvent.Delta d -> s.append(d.content());
                case GenerationEvent.Finished f -> {
                    return s.toString();
                }
                case GenerationEvent.Failed f -> throw new AssertionError(f.message());
            }
        }
    }

    @Test
    void greedyIsTheSameAloneAndBesideSevenOthersAndEqualsTheEngine() throws Exception {
        try (ServedModel served = EngineModels.open(file, Stories.options(), 8 * 256, 8);
             SlotScheduler scheduler = new SlotScheduler(served.model(), served.codec(), 512, 8)) {
            GenerationJob alone = new GenerationJob(served.codec().encode(PROMPT, true), GenerationParams.greedy(40),
                    null, false, null);
            scheduler.submit(alone);
            String aloneText = drain(alone);
            assertEquals(reference, aloneText);

            List<GenerationJob> jobs = new ArrayList<>();
            String[] others = {"The cat sat", "Tom and Sue went to the park", "One day", "Lily had a red ball",
                    "There was a big dog", "Max liked to run", "The sun was hot"};
            for (int i = 0; i < 8; i++) {
                String p = i == 5 ? PROMPT : others[i < 5 ? i : i - 1];
                GenerationJob j = new GenerationJob(served.codec().encode(p, true), GenerationParams.greedy(40), null,
                        false, null);
                jobs.add(j);
                scheduler.submit(j);
            }
            List<String> texts = new ArrayList<>();
            for (GenerationJob j : jobs) {
                texts.add(drain(j));
            }
            assertEquals(reference, texts.get(5), "beside seven others");
            assertEquals(8, served.model().sequences());
        }
    }

    @Test
    void completionOverHttpGivesTheEngineText() throws Exception {
        try (Server server = Server.start(ServerConfig.defaults().withPort(0))) {
            server.serve(EngineModels.open(file, Stories.options(), 1024, 2));
            HttpClient client = HttpClient.newHttpClient();
            String body = "{\"prompt\": " + new ObjectMapper().writeValueAsString(PROMPT)
                    + ", \"max_tokens\": 40, \"temperature\": 0}";
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = new ObjectMapper().readTree(r.body());
            assertEquals(reference, j.at("/choices/0/text").asText());
            assertTrue(j.at("/usage/completion_tokens").asInt() > 0);
            // a chat in the fallback format (stories260K has no template) works too
            HttpResponse<String> chat = client.send(HttpRequest.newBuilder(URI.create(server.uri() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"messages\": [{\"role\": \"user\", \"content\": \"Tell me a story\"}], \"max_tokens\": 8}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
        }
    }
}
