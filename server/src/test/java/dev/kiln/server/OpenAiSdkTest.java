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
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.server.engine.Stories;
import dev.kiln.server.engine.TemplateChat;
import dev.kiln.server.fake.ByteCodec;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import dev.kiln.server.model.ServedModel;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK against the server on loopback, as our users' tools drive it: a greedy completion of
 * the real stories260K model (the text the engine produces on its own), a streamed chat in the fallback chat
 * format, the model list, and a tool-call round trip through a real template of the test data (Qwen2.5) with a
 * scripted model that calls the tool and then answers from its result.
 */
class OpenAiSdkTest {

    private static final String PROMPT = "Once upon a time, there was a little girl";
    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";
    private static final String ANSWER = "It is 3 degrees and foggy.";

    private static Server stories;
    private static Server tools;
    private static OpenAIClient storiesClient;
    private static OpenAIClient toolsClient;

    @BeforeAll
    static void start() throws Exception {
        stories = Server.start(ServerConfig.defaults().withPort(0).withApiKey("test-key"));
        stories.serve(EngineModels.open(Stories.file(), Stories.options(), 512, 2));
        storiesClient = client(stories);

        String qwen = Files.readString(TestData.require("chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        tools = Server.start(ServerConfig.defaults().withPort(0).withApiKey("test-key"));
        tools.serve(new ServedModel("qwen-shaped", new ScriptedModel(toolUser(), 1, 4096, 0), new ByteCodec(),
                new TemplateChat(ChatTemplate.of(qwen), "", "<|im_end|>"), null));
        toolsClient = client(tools);
    }

    private static OpenAIClient client(Server server) {
        return OpenAIOkHttpClient.builder().baseUrl(server.uri() + "/v1").apiKey("test-key").maxRetries(0).build();
    }

    /** Replies to the last "assistant\n" header: the tool call, or the answer once a tool response is in the prompt. */
    private static Script toolUser() {
        byte[] header = "<|im_start|>assistant\n".getBytes(StandardCharsets.UTF_8);
        byte[] response = "<tool_response>".getBytes(StandardCharsets.UTF_8);
        byte[] call = CALL.getBytes(StandardCharsets.UTF_8);
        byte[] answer = ANSWER.getBytes(StandardCharsets.UTF_8);
        return (h, n) -> {
            int start = lastIndexOf(h, n, header);
            byte[] reply = lastIndexOf(h, start, response) >= 0 ? answer : call;
            int k = n - (start + header.length);
            return k < reply.length ? reply[k] & 0xff : ByteCodec.EOS;
        };
    }

    private static int lastIndexOf(int[] h, int n, byte[] text) {
        for (int i = n - text.length; i >= 0; i--) {
            int j = 0;
            while (j < text.length && h[i + j] == (text[j] & 0xff)) {
                j++;
            }
            if (j == text.length) {
                return i;
            }
        }
        return -1;
    }

    @AfterAll
    static void stop() {
        // start() may have stopped early (test data absent: the class is skipped), so close what was opened.
        if (storiesClient != null) storiesClient.close();
        if (toolsClient != null) toolsClient.close();
        if (stories != null) stories.close();
        if (tools != null) tools.close();
    }

    @Test
    void greedyCompletionIsTheTextTheEngineProduces() throws Exception {
        Completion c = storiesClient.completions().create(CompletionCreateParams.builder().model("stories260K")
                .prompt(PROMPT).maxTokens(40).temperature(0).build());
        assertEquals(Stories.greedy(PROMPT, 40), c.choices().getFirst().text());
        assertTrue(c.usage().orElseThrow().completionTokens() > 0);
    }

    @Test
    void streamingChatInTheFallbackFormatEqualsTheWholeReply() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("stories260K")
                .addUserMessage("Tell me a story about a cat.").temperature(0).maxCompletionTokens(24).build();
        StringBuilder text = new StringBuilder();
        String finish = null;
        try (StreamResponse<ChatCompletionChunk> stream = storiesClient.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    if (choice.finishReason().isPresent()) {
                        finish = choice.finishReason().get().asString();
                    }
                }
            }
        }
        assertFalse(text.isEmpty());
        assertTrue(List.of("stop", "length").contains(finish), finish);
        ChatCompletion whole = storiesClient.chat().completions().create(params);
        assertEquals(whole.choices().getFirst().message().content().orElse(""), text.toString());
    }

    @Test
    void toolCallRoundTripThroughARealTemplate() {
        ChatCompletionFunctionTool tool = ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                .name("get_weather").description("Current weather for a city.")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .build())
                .build()).build();
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("qwen-shaped")
                .addUserMessage("What is the weather in Zürich?").addTool(tool).temperature(0).build();
        ChatCompletion reply = toolsClient.chat().completions().create(first);
        ChatCompletion.Choice choice = reply.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertEquals("get_weather", call.function().name());
        assertEquals("{\"city\":\"Zürich\"}", call.function().arguments());

        ChatCompletionCreateParams second = first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("{\"celsius\": 3}").build())
                .build();
        ChatCompletion answer = toolsClient.chat().completions().create(second);
        assertEquals(ANSWER, answer.choices().getFirst().message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, answer.choices().getFirst().finishReason());
    }

    @Test
    void modelsList() {
        List<Model> models = storiesClient.models().list().data();
        assertEquals(1, models.size());
        assertEquals("stories260K.gguf", models.getFirst().id());
    }
}
