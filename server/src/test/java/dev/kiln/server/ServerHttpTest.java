package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoints and their OpenAI shapes, on loopback with a scripted model. */
class ServerHttpTest {

    private Server server;

    private Http start(ServerConfig config, Script script, int slots, String template) throws Exception {
        server = Server.start(config.withPort(0));
        server.serve(FakeModels.of(script, slots, 512, 0, template));
        return new Http(server.uri(), config.apiKey());
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void healthIs503WhileLoadingAnd200WhenReady() throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0));
        Http http = new Http(server.uri(), null);
        Http.Reply loading = http.get("/health");
        assertEquals(503, loading.status());
        assertEquals("unavailable_error", loading.json().at("/error/type").asText());
        assertEquals(503, http.post("/v1/chat/completions", Http.chat("hi", "")).status());
        assertEquals(0, http.metric("kiln_ready"));
        server.serve(FakeModels.of(Script.reply("ok"), 1, 64, 0, ""));
        Http.Reply ready = http.get("/health");
        assertEquals(200, ready.status());
        assertEquals("ok", ready.json().get("status").asText());
        assertEquals(1, http.metric("kiln_ready"));
    }

    @Test
    void chatCompletionHasTheOpenAiShape() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.reply("Hello, Zürich!"), 2, "");
        Http.Reply r = http.post("/v1/chat/completions", Http.chat("Say hello", "\"temperature\": 0"));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("chat.completion", j.get("object").asText());
        assertTrue(j.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("fake-model", j.get("model").asText());
        JsonNode choice = j.at("/choices/0");
        assertEquals("assistant", choice.at("/message/role").asText());
        assertEquals("Hello, Zürich!", choice.at("/message/content").asText());
        assertEquals("stop", choice.get("finish_reason").asText());
        int promptTokens = "user: Say hello\n".getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2; // BOS, <|assistant|>
        assertEquals(promptTokens, j.at("/usage/prompt_tokens").asInt());
        assertEquals("Hello, Zürich!".getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                j.at("/usage/completion_tokens").asInt());
        assertEquals(j.at("/usage/prompt_tokens").asInt() + j.at("/usage/completion_tokens").asInt(),
                j.at("/usage/total_tokens").asInt());
    }

    @Test
    void streamedChatSendsDeltasThenDoneAndUsageWhenAsked() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.reply("Grüße, streaming world"), 2, "");
        Http.Reply r = http.post("/v1/chat/completions",
                Http.chat("hi", "\"stream\": true, \"stream_options\": {\"include_usage\": true}, \"max_tokens\": 9"));
        assertEquals(200, r.status());
        List<String> events = r.events();
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode chunk = Http.JSON.readTree(e);
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            if (chunk.get("choices").isEmpty()) {
                usage = chunk.get("usage");
                continue;
            }
            JsonNode delta = chunk.at("/choices/0/delta");
            if (delta.has("content")) {
                text.append(delta.get("content").asText());
            }
            if (!chunk.at("/choices/0/finish_reason").isNull()) {
                finish = chunk.at("/choices/0/finish_reason").asText();
            }
        }
        assertEquals("assistant", Http.JSON.readTree(events.getFirst()).at("/choices/0/delta/role").asText());
        assertEquals("Grüße, ", text.toString());                    // 9 bytes: ü and ß are two each
        assertEquals("length", finish);
        assertEquals(9, usage.get("completion_tokens").asInt());
        assertTrue(events.size() > 5, "one chunk per token, not one at the end");
    }

    @Test
    void timingsBesideUsageCountTheSameTokensAsLlamaServerDoes() throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0));
        server.serve(FakeModels.of(Script.reply("Timed reply"), 1, 512, 3, "")); // each forward pass sleeps 3 ms
        Http http = new Http(server.uri(), null);
        String ask = Http.chat("How long?", "\"temperature\": 0");
        for (int round = 0; round < 2; round++) { // the second asks again: its prompt comes from the cache
            JsonNode j = http.post("/v1/chat/completions", ask).json();
            JsonNode usage = j.get("usage");
            JsonNode t = j.get("timings");
            int cached = usage.at("/prompt_tokens_details/cached_tokens").asInt();
            assertEquals(round == 0 ? 0 : usage.get("prompt_tokens").asInt() - 1, cached);
            assertEquals(cached, t.get("cache_n").asInt());
            assertEquals(usage.get("prompt_tokens").asInt() - cached, t.get("prompt_n").asInt());
            int predicted = usage.get("completion_tokens").asInt();
            assertEquals("Timed reply".length(), predicted);
            assertEquals(predicted, t.get("predicted_n").asInt());
            double promptMs = t.get("prompt_ms").asDouble();
            double predictedMs = t.get("predicted_ms").asDouble();
            assertTrue(promptMs >= 3, "at least one 3 ms prompt step: " + promptMs);
            assertTrue(predictedMs >= 3 * (predicted - 1), "a 3 ms step per token after the first: " + predictedMs);
            assertEquals(promptMs / t.get("prompt_n").asInt(), t.get("prompt_per_token_ms").asDouble(), 1e-9);
            assertEquals(1e3 * t.get("prompt_n").asInt() / promptMs, t.get("prompt_per_second").asDouble(), 1e-6);
            assertEquals(predictedMs / (predicted - 1), t.get("predicted_per_token_ms").asDouble(), 1e-9);
            assertEquals(1e3 * (predicted - 1) / predictedMs, t.get("predicted_per_second").asDouble(), 1e-6);
        }
        // streamed: on the last chunk before [DONE] only, the finish chunk or, when asked for, the usage chunk
        for (String options : List.of("\"stream\": true", "\"stream\": true, \"stream_options\": {\"include_usage\": true}")) {
            List<String> events = http.post("/v1/chat/completions", Http.chat("How long?", options)).events();
            assertEquals("[DONE]", events.getLast());
            for (int i = 0; i < events.size() - 1; i++) {
                JsonNode chunk = Http.JSON.readTree(events.get(i));
                boolean last = i == events.size() - 2;
                assertEquals(last, chunk.has("timings"), options + ", chunk " + i + ": " + events.get(i));
                if (last) {
                    assertEquals("Timed reply".length(), chunk.at("/timings/predicted_n").asInt());
                }
            }
        }
    }

    @Test
    void ignoreEosAsLlamaServerReadsIt() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.reply("four"), 1, "");
        String ask = "{\"prompt\": \"2+2=<|assistant|>\", \"max_tokens\": 10, \"temperature\": 0";
        JsonNode ends = http.post("/v1/completions", ask + "}").json();
        assertEquals(4, ends.at("/usage/completion_tokens").asInt());
        assertEquals("stop", ends.at("/choices/0/finish_reason").asText());
        JsonNode runs = http.post("/v1/completions", ask + ", \"ignore_eos\": true}").json();
        assertEquals(10, runs.at("/usage/completion_tokens").asInt());
        assertEquals("length", runs.at("/choices/0/finish_reason").asText());
        assertTrue(runs.at("/choices/0/text").asText().startsWith("four"));
        Http.Reply bad = http.post("/v1/completions", ask + ", \"ignore_eos\": \"yes\"}");
        assertEquals(400, bad.status());
        assertEquals("ignore_eos", bad.json().at("/error/param").asText());
    }

    @Test
    void textCompletionsWholeAndStreamed() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.reply("four"), 1, "");
        Http.Reply r = http.post("/v1/completions", "{\"prompt\": \"2+2=<|assistant|>\", \"max_tokens\": 10}");
        assertEquals(200, r.status(), r.body());
        assertEquals("text_completion", r.json().get("object").asText());
        assertEquals("four", r.json().at("/choices/0/text").asText());
        assertEquals("stop", r.json().at("/choices/0/finish_reason").asText());
        Http.Reply s = http.post("/v1/completions",
                "{\"prompt\": \"2+2=<|assistant|>\", \"stream\": true, \"logprobs\": 2}");
        StringBuilder text = new StringBuilder();
        int withLogprobs = 0;
        for (String e : s.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode c = Http.JSON.readTree(e);
            text.append(c.at("/choices/0/text").asText());
            withLogprobs += c.at("/choices/0/logprobs").isObject() ? 1 : 0;
        }
        assertEquals("four", text.toString());
        assertEquals(4, withLogprobs);
        assertEquals("[DONE]", s.events().getLast());
    }

    @Test
    void chatLogprobs() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.reply("ab"), 1, "");
        JsonNode j = http.post("/v1/chat/completions", Http.chat("x", "\"logprobs\": true, \"top_logprobs\": 2")).json();
        JsonNode content = j.at("/choices/0/logprobs/content");
        assertEquals(2, content.size());
        assertEquals("a", content.get(0).get("token").asText());
        assertEquals(2, content.get(0).get("top_logprobs").size());
        assertTrue(content.get(0).get("logprob").asDouble() <= 0);
        assertEquals(List.of(97), Http.JSON.convertValue(content.get(0).get("bytes"), List.class));
    }

    @Test
    void modelsTokenizeAndDetokenize() throws Exception {
        Http http = start(new ServerConfig("127.0.0.1", 0, null, "my-alias", 512, 4, 1 << 20, -1, 30_000),
                Script.reply("x"), 1, "");
        JsonNode models = http.get("/v1/models").json();
        assertEquals("list", models.get("object").asText());
        assertEquals("my-alias", models.at("/data/0/id").asText());
        assertEquals("model", models.at("/data/0/object").asText());
        JsonNode tokens = http.post("/tokenize", "{\"content\": \"hé<|assistant|>\"}").json().get("tokens");
        assertEquals("[104,195,169,260]", tokens.toString());
        assertEquals("hé<|assistant|>", http.post("/detokenize", "{\"tokens\": " + tokens + "}").json().get("content").asText());
        assertEquals("my-alias", http.post("/v1/chat/completions", Http.chat("q", "")).json().get("model").asText());
    }

    @Test
    void apiKeyIsRequiredOnV1Only() throws Exception {
        Http http = start(ServerConfig.defaults().withApiKey("sekret"), Script.reply("x"), 1, "");
        Http anonymous = new Http(server.uri(), null);
        Http wrong = new Http(server.uri(), "nope");
        for (Http client : List.of(anonymous, wrong)) {
            Http.Reply r = client.post("/v1/chat/completions", Http.chat("q", ""));
            assertEquals(401, r.status());
            assertEquals("authentication_error", r.json().at("/error/type").asText());
            assertEquals(401, client.get("/v1/models").status());
        }
        assertEquals(200, anonymous.get("/health").status());
        assertEquals(200, http.post("/v1/chat/completions", Http.chat("q", "")).status());
    }

    /** The 401 to a long prompt reaches the client every time (it was lost in 10 of 400 tries: see Exchange). */
    @Test
    void theRefusalOfALongUnauthorisedPromptArrivesEveryTime() throws Exception {
        start(ServerConfig.defaults().withApiKey("sekret"), Script.reply("x"), 1, "");
        Http wrong = new Http(server.uri(), "nope");
        List<Http.Reply> replies = wrong.postGrowingPrompts("/v1/chat/completions", 120);
        for (int i = 0; i < replies.size(); i++) {
            assertEquals(401, replies.get(i).status(), "try " + i);
            assertEquals("invalid_api_key", replies.get(i).json().at("/error/code").asText(), "try " + i);
        }
    }

    @Test
    void reasoningGoesToReasoningContentAndTheBudgetEndsEndlessThinking() throws Exception {
        Http http = start(ServerConfig.defaults().withReasoningBudget(-1),
                Script.endlessThinker("Paris."), 1, "{{ '<think>' }}");
        JsonNode j = http.post("/v1/chat/completions",
                Http.chat("capital?", "\"reasoning_budget\": 9, \"max_tokens\": 200")).json();
        assertEquals("Paris.", j.at("/choices/0/message/content").asText());
        assertEquals("hmm hmm", j.at("/choices/0/message/reasoning_content").asText());
        assertEquals("stop", j.at("/choices/0/finish_reason").asText());
        // unlimited: it thinks until max_tokens
        JsonNode endless = http.post("/v1/chat/completions", Http.chat("capital?", "\"max_tokens\": 30")).json();
        assertEquals("length", endless.at("/choices/0/finish_reason").asText());
        assertTrue(endless.at("/choices/0/message/reasoning_content").asText().startsWith("hmm hmm hmm"));
        // streamed: reasoning arrives as reasoning_content deltas
        Http.Reply s = http.post("/v1/chat/completions", Http.chat("capital?", "\"reasoning_budget\": 5, \"stream\": true"));
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (String e : s.events()) {
            if (!e.equals("[DONE]")) {
                JsonNode d = Http.JSON.readTree(e).at("/choices/0/delta");
                reasoning.append(d.path("reasoning_content").asText(""));
                content.append(d.path("content").asText(""));
            }
        }
        assertEquals("hmm", reasoning.toString());
        assertEquals("Paris.", content.toString());
    }

    @Test
    void theServerBudgetAppliesWhenTheRequestHasNone() throws Exception {
        Http http = start(ServerConfig.defaults().withReasoningBudget(0), Script.endlessThinker("Yes."), 1,
                "{{ '<think>' }}");
        JsonNode j = http.post("/v1/chat/completions", Http.chat("q", "")).json();
        assertEquals("Yes.", j.at("/choices/0/message/content").asText());
        assertTrue(j.at("/choices/0/message/reasoning_content").isMissingNode()
                || j.at("/choices/0/message/reasoning_content").asText().isEmpty());
    }

    @Test
    void toolCallsComeBackParsedWholeAndStreamed() throws Exception {
        String reply = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";
        Http http = start(ServerConfig.defaults(), Script.reply(reply), 1, "{% if tools %}<tool_call>{% endif %}");
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"parameters\": {\"type\": \"object\"}}}]";
        JsonNode j = http.post("/v1/chat/completions", Http.chat("weather?", tools)).json();
        JsonNode call = j.at("/choices/0/message/tool_calls/0");
        assertEquals("tool_calls", j.at("/choices/0/finish_reason").asText());
        assertTrue(j.at("/choices/0/message/content").isNull());
        assertEquals("function", call.get("type").asText());
        assertEquals("get_weather", call.at("/function/name").asText());
        assertEquals("{\"city\":\"Zürich\"}", call.at("/function/arguments").asText());
        assertTrue(call.get("id").asText().length() >= 9);

        Http.Reply s = http.post("/v1/chat/completions", Http.chat("weather?", tools + ", \"stream\": true"));
        StringBuilder arguments = new StringBuilder();
        String name = null;
        String finish = null;
        for (String e : s.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = Http.JSON.readTree(e).at("/choices/0");
            assertTrue(choice.at("/delta/content").asText("").isEmpty(), "tool-call text leaked as content: " + e);
            for (JsonNode tc : choice.at("/delta/tool_calls")) {
                assertEquals(0, tc.get("index").asInt());
                if (tc.at("/function/name").isTextual()) {
                    name = tc.at("/function/name").asText();
                }
                arguments.append(tc.at("/function/arguments").asText(""));
            }
            if (!choice.get("finish_reason").isNull()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertEquals("get_weather", name);
        assertEquals("{\"city\":\"Zürich\"}", arguments.toString());
        assertEquals("tool_calls", finish);

        // tool_choice none: the template gets no tools, and the text stays content
        JsonNode none = http.post("/v1/chat/completions", Http.chat("weather?", tools + ", \"tool_choice\": \"none\"")).json();
        assertEquals(reply, none.at("/choices/0/message/content").asText());
        assertEquals("stop", none.at("/choices/0/finish_reason").asText());
        assertNull(none.at("/choices/0/message/tool_calls").isMissingNode() ? null : "present");
    }

    @Test
    void requiredOrNamedToolChoiceTurnsAPlainTextAnswerIntoACall() throws Exception {
        // the model wants to answer in text; the tool-call grammar lets it write only a call (of the named tool)
        Http http = start(ServerConfig.defaults(), Script.reply("It is sunny."), 1, "{% if tools %}<tool_call>{% endif %}");
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}, "
                + "{\"type\": \"function\", \"function\": {\"name\": \"read_file\"}}]";
        for (String choice : new String[] {"\"required\"", "{\"type\": \"function\", \"function\": {\"name\": \"read_file\"}}"}) {
            Http.Reply r = http.post("/v1/chat/completions", Http.chat("weather?", tools + ", \"tool_choice\": " + choice
                    + ", \"max_tokens\": 60"));
            assertEquals(200, r.status(), r.body());
            assertEquals("tool_calls", r.json().at("/choices/0/finish_reason").asText(), r.body());
            JsonNode call = r.json().at("/choices/0/message/tool_calls/0/function");
            if (choice.contains("read_file")) {
                assertEquals("read_file", call.at("/name").asText(), r.body());
            }
            assertTrue(Http.JSON.readTree(call.at("/arguments").asText()).isObject(), r.body());
        }
    }

    @Test
    void toolHistoryWithJsonStringArgumentsIsPassedToTheTemplate() throws Exception {
        Http http = start(ServerConfig.defaults(), Script.echo(), 1, "");
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"w?\"}, {\"role\": \"assistant\", "
                + "\"content\": null, \"tool_calls\": [{\"id\": \"abc123def\", \"type\": \"function\", \"function\": "
                + "{\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Bern\\\"}\"}}]}, {\"role\": \"tool\", "
                + "\"tool_call_id\": \"abc123def\", \"content\": \"sunny\"}]}";
        Http.Reply r = http.post("/v1/chat/completions", body);
        assertEquals(200, r.status(), r.body());
        // FakeChat writes the last message "tool: sunny"; echo repeats it
        assertEquals("sunny", r.json().at("/choices/0/message/content").asText());
        Http.Reply tokens = http.post("/tokenize", "{\"content\": \"x\"}");
        assertEquals(200, tokens.status());
    }

    @Test
    void browserFrontEndsMayCallFromAnotherOrigin() throws Exception {
        start(ServerConfig.defaults().withApiKey("k"), Script.reply("x"), 1, "");
        java.net.http.HttpResponse<String> preflight = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(server.uri().resolve("/v1/chat/completions"))
                        .method("OPTIONS", java.net.http.HttpRequest.BodyPublishers.noBody())
                        .header("Origin", "http://localhost:3000")
                        .header("Access-Control-Request-Method", "POST")
                        .header("Access-Control-Request-Headers", "authorization, content-type").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, preflight.statusCode());
        assertEquals("http://localhost:3000", preflight.headers().firstValue("Access-Control-Allow-Origin").orElse(""));
    }

    @Test
    void mistralToolCallArgumentsStreamAsTheyAreGenerated() throws Exception {
        String reply = "[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Zürich\", \"unit\": \"celsius\"}"
                + "[TOOL_CALLS]read_file[ARGS]{\"path\": \"src/main.rs\"}";
        Http http = start(ServerConfig.defaults(), Script.reply(reply), 1, "{{ '[TOOL_CALLS]' }}");
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}}, "
                + "{\"type\": \"function\", \"function\": {\"name\": \"read_file\"}}]";
        Http.Reply s = http.post("/v1/chat/completions", Http.chat("weather?", tools + ", \"stream\": true"));
        List<StringBuilder> arguments = new java.util.ArrayList<>();
        List<String> names = new java.util.ArrayList<>();
        int argumentChunks = 0;
        String finish = null;
        for (String e : s.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = Http.JSON.readTree(e).at("/choices/0");
            for (JsonNode tc : choice.at("/delta/tool_calls")) {
                if (tc.has("id")) {
                    names.add(tc.at("/function/name").asText());
                    arguments.add(new StringBuilder());
                } else {
                    argumentChunks++;
                }
                arguments.get(tc.get("index").asInt()).append(tc.at("/function/arguments").asText(""));
            }
            if (!choice.get("finish_reason").isNull()) {
                finish = choice.get("finish_reason").asText();
            }
        }
        assertEquals(List.of("get_weather", "read_file"), names);
        assertEquals(Http.JSON.readTree("{\"city\": \"Zürich\", \"unit\": \"celsius\"}"),
                Http.JSON.readTree(arguments.get(0).toString()));
        assertEquals(Http.JSON.readTree("{\"path\": \"src/main.rs\"}"), Http.JSON.readTree(arguments.get(1).toString()));
        assertTrue(argumentChunks > 10, "arguments came in " + argumentChunks + " pieces");
        assertEquals("tool_calls", finish);
        JsonNode whole = http.post("/v1/chat/completions", Http.chat("weather?", tools)).json();
        assertEquals(2, whole.at("/choices/0/message/tool_calls").size());
        assertEquals(Http.JSON.readTree(arguments.get(1).toString()),
                Http.JSON.readTree(whole.at("/choices/0/message/tool_calls/1/function/arguments").asText()));
    }
}
