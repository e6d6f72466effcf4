package dev.kiln.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK against the server on loopback (scripted model): a completion, a streamed chat, a
 * tool-call round trip and the model list. The same client our users' tools are built on must parse every reply.
 */
class OpenAiSdkTest {

    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";

    private static Server server;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0).withApiKey("test-key"));
        Script script = Script.whenLastLineStartsWith("tool: ", Script.echo(),
                Script.whenLastLineStartsWith("user: weather", Script.reply(CALL), Script.echo()));
        server.serve(FakeModels.of(script, 2, 1024, 0, "{% for t in tools %}<tool_call>{% endfor %}"));
        client = OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey("test-key").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void completion() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("fake-model")
                .prompt("user: Once upon a time\n<|assistant|>").maxTokens(64).temperature(0).build());
        assertEquals("Once upon a time", c.choices().getFirst().text());
        assertEquals(Completion.class, c.getClass());
        assertTrue(c.usage().isPresent());
        assertEquals(16, c.usage().get().completionTokens());
    }

    @Test
    void streamingChat() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("fake-model")
                .addUserMessage("Streamed greetings from Zürich").temperature(0).build();
        StringBuilder text = new StringBuilder();
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
            }
        }
        assertEquals("Streamed greetings from Zürich", text.toString());
        assertEquals("stop", finish);
    }

    @Test
    void toolCallRoundTrip() {
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Current weather for a city.")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("fake-model")
                .addUserMessage("weather in Zürich?").addTool(tool).temperature(0).build();
        ChatCompletion reply = client.chat().completions().create(first);
        ChatCompletion.Choice choice = reply.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Zürich\"}", call.function().arguments());

        ChatCompletionCreateParams second = first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("3 degrees, fog").build())
                .build();
        ChatCompletion answer = client.chat().completions().create(second);
        assertEquals("3 degrees, fog", answer.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, answer.choices().getFirst().finishReason());
    }

    @Test
    void modelsList() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        assertEquals("fake-model", models.getFirst().id());
    }
}
