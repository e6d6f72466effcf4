package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Clients that go away, clients that do not read, and many clients at once. */
class FaultsTest {

    private Server server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Http start(ScriptedModel model, int queue) throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0).withQueueCapacity(queue));
        server.serve(FakeModels.of(model, ""));
        return new Http(server.uri(), null);
    }

    /** Sends a streaming request on a raw socket and returns the socket after the first {@code events} events. */
    private Socket openStream(String body, int events) throws Exception {
        Socket socket = new Socket(server.uri().getHost(), server.port());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        if (events > 0) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            int seen = 0;
            for (String line; seen < events && (line = in.readLine()) != null; ) {
                seen += line.startsWith("data: ") ? 1 : 0;
            }
            assertEquals(events, seen);
        }
        return socket;
    }

    private static void awaitIdle(Http http, long millis) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (http.metric("kiln_slots_busy") > 0 || http.metric("kiln_queue_length") > 0) {
            assertTrue(System.currentTimeMillis() < deadline, "slots still busy after " + millis + " ms");
            Thread.sleep(10);
        }
    }

    @Test
    void aClientThatDisconnectsMidStreamFreesItsSlotPromptly() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 100_000, 5);
        Http http = start(model, 4);
        for (int round = 0; round < 3; round++) {
            Socket socket = openStream(Http.chat("tell me everything " + round, "\"stream\": true"), 5);
            assertEquals(1, http.metric("kiln_slots_busy"));
            socket.close();
            long t0 = System.nanoTime();
            awaitIdle(http, 2000);
            long freedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(freedMillis < 1000, "freed after " + freedMillis + " ms");
        }
        // the one slot serves the next request
        assertEquals(200, http.post("/v1/chat/completions", Http.chat("next", "\"max_tokens\": 3")).status());
        assertTrue(model.calls.get() < 2000, "generation stopped: " + model.calls.get() + " steps");
    }

    @Test
    void aClientThatDisconnectsBeforeANonStreamedReplyFreesItsSlotPromptly() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 100_000, 5);
        Http http = start(model, 4);
        for (int round = 0; round < 3; round++) {
            Socket socket = openStream(Http.chat("tell me everything " + round, "\"max_tokens\": 90000"), 0);
            long wait = System.currentTimeMillis() + 2000;
            while (http.metric("kiln_slots_busy") < 1) {
                assertTrue(System.currentTimeMillis() < wait, "the request never took the slot");
                Thread.sleep(5);
            }
            Thread.sleep(50);  // a few steps of generation
            int before = model.calls.get();
            socket.close();
            long t0 = System.nanoTime();
            awaitIdle(http, 3000);
            long freedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(freedMillis < 500, "freed after " + freedMillis + " ms");
            assertTrue(model.calls.get() - before < 100, "steps after the close: " + (model.calls.get() - before));
        }
        assertEquals(200, http.post("/v1/chat/completions", Http.chat("next", "\"max_tokens\": 3")).status());
    }

    @Test
    void aClientThatDoesNotReadCannotStallTheOtherSlots() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 2, 100_000, 1);
        Http http = start(model, 4);
        // a stream of ~200 KB that nobody reads: the socket buffers fill, its handler blocks, the scheduler does not
        Socket stalled = openStream(Http.chat("flood me", "\"stream\": true, \"max_tokens\": 3000"), 0);
        Thread.sleep(200);
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Http.Reply r = http.post("/v1/chat/completions", Http.chat("quick " + i, "\"max_tokens\": 20"));
            assertEquals(200, r.status());
            assertEquals(20, r.json().at("/usage/completion_tokens").asInt());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // A stalled scheduler would wait for the unread stream until the test closes it (minutes); three 20-token
        // replies take well under a second on a quiet machine and ~5 s on a heavily loaded one.
        assertTrue(seconds < 30, "other requests took " + seconds + " s");
        stalled.close();
        awaitIdle(http, 20_000);
    }

    @Test
    void sixtyFourClientsOverEightSlotsMixedAndSomeLeavingEarly() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.echo(), 8, 512, 1);
        Http http = start(model, 64);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<String>> results = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            int id = i;
            results.add(clients.submit(() -> {
                String said = "client " + id + " says hello to the server";
                if (id % 8 == 7) {                               // leaves early, mid-stream
                    openStream(Http.chat(said, "\"stream\": true"), 3).close();
                    return "left";
                }
                boolean stream = id % 2 == 0;
                Http.Reply r = http.post("/v1/chat/completions", Http.chat(said, stream ? "\"stream\": true" : ""));
                if (r.status() != 200) {
                    return "status " + r.status() + " " + r.body();
                }
                String text;
                if (stream) {
                    StringBuilder b = new StringBuilder();
                    List<String> events = r.events();
                    if (!events.getLast().equals("[DONE]")) {
                        return "incomplete stream";
                    }
                    for (String e : events.subList(0, events.size() - 1)) {
                        b.append(Http.JSON.readTree(e).at("/choices/0/delta/content").asText(""));
                    }
                    text = b.toString();
                } else {
                    JsonNode j = r.json();
                    text = j.at("/choices/0/message/content").asText();
                    if (!"stop".equals(j.at("/choices/0/finish_reason").asText())) {
                        return "finish " + j.at("/choices/0/finish_reason");
                    }
                }
                return text.equals(said) ? "ok" : "wrong text '" + text + "'";
            }));
        }
        int ok = 0;
        for (Future<String> f : results) {
            String result = f.get(60, TimeUnit.SECONDS);
            if (!result.equals("left")) {
                assertEquals("ok", result);
                ok++;
            }
        }
        clients.shutdown();
        assertEquals(56, ok);
        awaitIdle(http, 5000);
        assertEquals(8, http.metric("kiln_slots_idle"));
        assertEquals(0, http.metric("kiln_queue_length"));
        assertTrue(model.maxSequencesInOneCall.get() >= 4, "batched: " + model.maxSequencesInOneCall.get());
    }

    @Test
    void aFullQueueAnswers503AndTheServerRecovers() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 100_000, 5);
        Http http = start(model, 0);
        Socket busy = openStream(Http.chat("long one", "\"stream\": true"), 2);
        // queue capacity 0 still lets one request per slot wait for the next step; the one after that is refused
        Socket waiting = openStream(Http.chat("waiting one", "\"stream\": true"), 0);
        long deadline = System.currentTimeMillis() + 2000;
        while (http.metric("kiln_queue_length") < 1) {
            assertTrue(System.currentTimeMillis() < deadline, "the second request never queued");
            Thread.sleep(5);
        }
        Http.Reply refused = http.post("/v1/chat/completions", Http.chat("one too many", "\"max_tokens\": 1"));
        assertEquals(503, refused.status(), refused.body());
        assertEquals("queue_full", refused.json().at("/error/code").asText());
        assertTrue(refused.json().at("/error/message").asText().contains("busy"));
        busy.close();
        waiting.close();
        awaitIdle(http, 3000);
        assertEquals(200, http.post("/v1/chat/completions", Http.chat("after", "\"max_tokens\": 2")).status());
        assertTrue(http.metric("kiln_requests_rejected_total") >= 1);
    }

    @Test
    void closingTheServerEndsInFlightStreamsWithAnErrorEvent() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 100_000, 5);
        Http http = start(model, 4);
        Socket socket = openStream(Http.chat("endless", "\"stream\": true"), 0);
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        int events = 0;
        for (String line; events < 3 && (line = in.readLine()) != null; ) {
            events += line.startsWith("data: ") ? 1 : 0;
        }
        long t0 = System.nanoTime();
        server.close();
        server = null;
        String last = null;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("data: ")) {
                last = line;
            }
        }
        assertTrue(last != null && last.contains("shutting down"), "last event: " + last);
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "shutdown took too long");
        socket.close();
        org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class, () -> http.get("/health"),
                "the server stopped listening");
    }
}
