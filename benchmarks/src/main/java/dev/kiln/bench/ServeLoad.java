package dev.kiln.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Decode throughput of an OpenAI-compatible server under 1..N concurrent clients, the same requests for any server:
 * {@code kiln serve} and llama.cpp's {@code llama-server} started on the same file side by side, so their rates can be
 * compared in one run. Each client sends {@code /v1/completions} with a short prompt, {@code max_tokens} tokens and
 * greedy sampling; the aggregate rate is the completion tokens of all clients (from {@code usage}) over the wall time
 * from the first request to the last reply. A llama-server 500 "does not match the expected ... format" (its parser on a
 * random-weight model's text, after the whole generation) counts as {@code max_tokens} generated. Where the replies
 * carry llama-server's {@code timings} (both servers send them), the line also gives the server's own decode rate,
 * {@code predicted_per_second} averaged over the best round's requests: the engine's speed without the client, the
 * HTTP exchange and the prompt.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.kiln.bench.ServeLoad http://127.0.0.1:8080 [clients=1,8]
 *     [tokens=64] [rounds=2]</pre>
 */
public final class ServeLoad {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeLoad() {}

    public static void main(String[] args) throws Exception {
        URI base = URI.create(args[0]);
        String clients = args.length > 1 ? args[1] : "1,8";
        int tokens = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        round(http, base, 1, 8); // warm-up
        for (String c : clients.split(",")) {
            int n = Integer.parseInt(c.trim());
            Round best = null;
            for (int r = 0; r < rounds; r++) {
                Round round = round(http, base, n, tokens);
                if (best == null || round.aggregate() > best.aggregate()) {
                    best = round;
                }
            }
            System.out.printf(Locale.ROOT, "%s  %d client%s: %8.2f tokens/s aggregate (best of %d, %d tokens each)%s%n",
                    base, n, n == 1 ? " " : "s", best.aggregate(), rounds, tokens, Double.isNaN(best.decode()) ? ""
                            : String.format(Locale.ROOT, ", %.2f decode tokens/s per request (server timings)", best.decode()));
        }
    }

    /**
     * One round's completion tokens per second of wall time, and the mean of its replies' server-side decode rates
     * ({@code timings.predicted_per_second}; NaN where a reply has none).
     */
    private record Round(double aggregate, double decode) {
    }

    /** One reply: its completion tokens and its server-side decode rate (NaN: no timings). */
    private record Reply(int tokens, double decode) {
    }

    /** One round of {@code clients} concurrent requests. */
    private static Round round(HttpClient http, URI base, int clients, int tokens) throws Exception {
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<Reply>> replies = new ArrayList<>();
            long start = System.nanoTime();
            for (int i = 0; i < clients; i++) {
                String body = JSON.writeValueAsString(JSON.createObjectNode()
                        .put("prompt", "Once upon a time, client " + i + " said")
                        .put("max_tokens", tokens).put("n_predict", tokens).put("temperature", 0)
                        .put("ignore_eos", true).put("stream", false));
                HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/completions"))
                        .header("Content-Type", "application/json").timeout(Duration.ofMinutes(10))
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                replies.add(pool.submit(() -> {
                    HttpResponse<String> reply = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (reply.statusCode() == 500 && reply.body().contains("does not match the expected")) {
                        // llama-server's output parser refusing a random-weight model's text after generating every
                        // token (../shared/tools/llama.cpp/README): the tokens were generated
                        return new Reply(tokens, Double.NaN);
                    }
                    if (reply.statusCode() != 200) {
                        throw new IllegalStateException("HTTP " + reply.statusCode() + ": " + reply.body());
                    }
                    JsonNode json = JSON.readTree(reply.body());
                    JsonNode decode = json.path("timings").path("predicted_per_second");
                    return new Reply(json.path("usage").path("completion_tokens").asInt(),
                            decode.isNumber() ? decode.asDouble() : Double.NaN);
                }));
            }
            int total = 0;
            double decode = 0;
            for (Future<Reply> f : replies) {
                Reply reply = f.get();
                total += reply.tokens();
                decode += reply.decode(); // NaN as soon as one reply has no timings
            }
            return new Round(total / ((System.nanoTime() - start) / 1e9), decode / clients);
        }
    }
}
