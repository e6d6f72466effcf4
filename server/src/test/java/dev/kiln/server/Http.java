package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small raw HTTP client for server tests (the JDK's), with SSE reading. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        /** The {@code data:} payloads of an event stream, in order. */
        List<String> events() {
            List<String> out = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("data: ")) {
                    out.add(line.substring(6));
                }
            }
            return out;
        }
    }

    private final URI base;
    private final String key;

    Http(URI base, String key) {
        this.base = base;
        this.key = key;
    }

    Reply get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    Reply post(String path, String body) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build());
    }

    /** A POST whose body goes chunked (no {@code Content-Length}), as a streaming client sends it. */
    Reply postChunked(String path, String body) throws IOException, InterruptedException {
        return send(request(path).POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofString(body))).header("Content-Type", "application/json").build());
    }

    /**
     * {@code count} chat requests whose prompts grow from 5,000 characters by 500, sent alternately with a declared
     * length and chunked: the replies, in order.
     */
    List<Reply> postGrowingPrompts(String path, int count) throws IOException, InterruptedException {
        List<Reply> replies = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = chat("z".repeat(5_000 + i * 500), "");
            replies.add(i % 2 == 0 ? post(path, body) : postChunked(path, body));
        }
        return replies;
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return b;
    }

    private static Reply send(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        return new Reply(r.statusCode(), r.body());
    }

    /** A metric's value from {@code /metrics}. */
    double metric(String name) throws IOException, InterruptedException {
        for (String line : get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1).strip());
            }
        }
        throw new AssertionError("no metric " + name);
    }

    static String chat(String user, String extra) {
        return "{\"model\": \"x\", \"messages\": [{\"role\": \"user\", \"content\": " + quote(user) + "}]"
                + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
