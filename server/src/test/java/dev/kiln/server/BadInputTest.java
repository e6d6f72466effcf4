package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of bad input gets a 400 (or 413) with an OpenAI-shaped error naming the field, and the server goes on
 * serving.
 */
class BadInputTest {

    private static Server server;
    private static Http http;

    @BeforeAll
    static void start() throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0).withMaxBodyBytes(4096));
        server.serve(FakeModels.of(Script.reply("fine"), 2, 128, 0, ""));
        http = new Http(server.uri(), null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON          | /v1/chat/completions | {"messages": [                                            | 400 | invalid_json   |
            not an object           | /v1/chat/completions | [1, 2]                                                    | 400 | invalid_json   |
            no messages             | /v1/chat/completions | {"model": "m"}                                            | 400 | invalid_value  | messages
            messages not an array   | /v1/chat/completions | {"messages": "hi"}                                        | 400 | invalid_value  | messages
            unknown role            | /v1/chat/completions | {"messages": [{"role": "wizard", "content": "x"}]}         | 400 | invalid_value  | messages[0].role
            content wrong type      | /v1/chat/completions | {"messages": [{"role": "user", "content": 5}]}             | 400 | invalid_value  | messages[0].content
            max_tokens zero         | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "max_tokens": 0}           | 400 | invalid_value | max_tokens
            max_tokens a string     | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "max_tokens": "ten"}       | 400 | invalid_value | max_tokens
            temperature too high    | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "temperature": 7}          | 400 | invalid_value | temperature
            stream not boolean      | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "stream": "yes"}           | 400 | invalid_value | stream
            n above one             | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "n": 2}                    | 400 | invalid_value | n
            stop list of numbers    | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "stop": [1]}               | 400 | invalid_value | stop[0]
            bad tool_choice         | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tool_choice": 3}          | 400 | invalid_value | tool_choice
            required without tools  | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"} | 400 | invalid_value | tool_choice
            named without tools     | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tool_choice": {"type": "function", "function": {"name": "f"}}} | 400 | invalid_value | tool_choice
            named of wrong type     | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "code", "function": {"name": "f"}}} | 400 | invalid_value | tool_choice
            named not in tools      | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": {"type": "function", "function": {"name": "g"}}} | 400 | invalid_value | tool_choice
            required is a string    | /v1/chat/completions | {"messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "always"} | 400 | invalid_value | tool_choice
            arguments not JSON      | /v1/chat/completions | {"messages": [{"role": "assistant", "content": null, "tool_calls": [{"id": "a", "type": "function", "function": {"name": "f", "arguments": "{oops"}}]}]} | 400 | invalid_value | messages[0].tool_calls[0].function.arguments
            template refuses        | /v1/chat/completions | {"messages": [{"role": "user", "content": "error"}]}       | 400 | template_error | messages
            prompt missing          | /v1/completions      | {"max_tokens": 3}                                         | 400 | invalid_value  | prompt
            prompt a number         | /v1/completions      | {"prompt": 42}                                            | 400 | invalid_value  | prompt
            completion n            | /v1/completions      | {"prompt": "x", "n": 3}                                   | 400 | invalid_value  | n
            detokenize bad id       | /detokenize          | {"tokens": [1, 99999]}                                    | 400 | invalid_value  | tokens[1]
            tokenize no content     | /tokenize            | {"text": "x"}                                             | 400 | invalid_value  | content
            """)
    void badFieldsAreNamed(String name, String path, String body, int status, String code, String param) throws Exception {
        Http.Reply r = http.post(path, body);
        assertEquals(status, r.status(), name + ": " + r.body());
        JsonNode error = r.json().get("error");
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank(), r.body());
        assertEquals("invalid_request_error", error.get("type").asText());
        assertEquals(code, error.get("code").asText());
        if (param != null) {
            assertEquals(param, error.get("param").asText());
            assertTrue(error.get("message").asText().contains(param), error.get("message").asText());
        }
        assertEquals("fine", http.post("/v1/chat/completions", Http.chat("still there?", "")).json()
                .at("/choices/0/message/content").asText(), "the server keeps serving after " + name);
    }

    @Test
    void aPromptLongerThanTheSlotContextIsRefused() throws Exception {
        Http.Reply r = http.post("/v1/chat/completions", Http.chat("x".repeat(200), ""));
        assertEquals(400, r.status());
        assertEquals("context_length_exceeded", r.json().at("/error/code").asText());
        assertEquals("messages", r.json().at("/error/param").asText());
        Http.Reply c = http.post("/v1/completions", "{\"prompt\": \"" + "y".repeat(300) + "\"}");
        assertEquals(400, c.status());
        assertEquals("prompt", c.json().at("/error/param").asText());
    }

    @Test
    void aBodyOverTheLimitGets413() throws Exception {
        Http.Reply r = http.post("/v1/chat/completions", Http.chat("z".repeat(10_000), ""));
        assertEquals(413, r.status());
        assertEquals("request_too_large", r.json().at("/error/code").asText());
        assertTrue(r.json().at("/error/message").asText().contains("4096"));
        assertEquals(200, http.post("/v1/chat/completions", Http.chat("ok", "")).status());
    }

    /**
     * The 413 reaches the client every time, declared length or chunked: replying without reading the body let the
     * connection's close reset it under the client (11 of 400 tries failed with "header parser received no bytes").
     */
    @Test
    void everyOverLimitBodyGetsIts413() throws Exception {
        List<Http.Reply> replies = http.postGrowingPrompts("/v1/chat/completions", 120);
        for (int i = 0; i < replies.size(); i++) {
            assertEquals(413, replies.get(i).status(), "try " + i);
            assertEquals("request_too_large", replies.get(i).json().at("/error/code").asText(), "try " + i);
        }
        assertEquals(200, http.postChunked("/v1/chat/completions", Http.chat("ok", "")).status());
    }

    /** A client that waits for "100 Continue" is refused at once: the server does not ask for a body it would drop. */
    @Test
    void anOverLimitBodyAwaitingTheGoAheadIsRefusedUnsent() throws Exception {
        try (Socket socket = new Socket(server.uri().getHost(), server.uri().getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: 10000\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            String status = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            assertEquals("HTTP/1.1 413 Payload Too Large", status);
        }
    }

    @Test
    void unknownPathsAndWrongMethods() throws Exception {
        assertEquals(404, http.get("/v1/nothing").status());
        Http.Reply r = http.get("/v1/chat/completions");
        assertEquals(405, r.status());
        assertEquals("method_not_allowed", r.json().at("/error/code").asText());
    }
}
