package dev.kiln.langchain4j;

import dev.kiln.server.Server;
import dev.kiln.server.ServerConfig;
import dev.kiln.server.engine.EngineModels;
import dev.kiln.server.engine.Stories;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LangChain4j's own OpenAI client ({@code langchain4j-open-ai}) against {@code kiln serve} on loopback, as a
 * LangChain4j application would use a Kiln server: a chat with the real stories260K model (the same text the
 * in-process {@link KilnChatModel} produces), the same chat streamed, and an AiServices tool round trip with the
 * scripted Qwen2.5-template model ({@link WeatherModel}).
 */
class OpenAiClientTest {

    private static final String PROMPT = "Tell me a story about a dog.";

    private static Server stories;
    private static Server weather;

    @BeforeAll
    static void start() throws Exception {
        stories = Server.start(ServerConfig.defaults().withPort(0).withApiKey("test-key"));
        stories.serve(EngineModels.open(Stories.file(), Stories.options(), 512, 2));
        weather = Server.start(ServerConfig.defaults().withPort(0).withApiKey("test-key"));
        weather.serve(WeatherModel.served());
    }

    @AfterAll
    static void stop() {
        if (stories != null) stories.close();
        if (weather != null) weather.close();
    }

    private static String baseUrl(Server server) {
        return server.uri() + "/v1";
    }

    @Test
    void chatOverHttpIsTheTextOfTheInProcessModel() {
        OpenAiChatModel client = OpenAiChatModel.builder().baseUrl(baseUrl(stories)).apiKey("test-key")
                .modelName("stories260K").temperature(0.0).maxTokens(20).maxRetries(0).timeout(Duration.ofSeconds(60))
                .build();
        ChatResponse overHttp = client.chat(ChatRequest.builder().messages(UserMessage.from(PROMPT)).build());
        assertEquals(FinishReason.LENGTH, overHttp.finishReason());
        assertEquals(20, overHttp.tokenUsage().outputTokenCount());

        try (KilnChatModel local = KilnChatModel.builder().modelPath(Stories.file()).temperature(0.0).maxOutputTokens(20)
                .build()) {
            ChatResponse inProcess = local.chat(ChatRequest.builder().messages(UserMessage.from(PROMPT)).build());
            assertEquals(inProcess.aiMessage().text(), overHttp.aiMessage().text());
            assertEquals(inProcess.tokenUsage().inputTokenCount(), overHttp.tokenUsage().inputTokenCount());
        }
    }

    @Test
    void streamingOverHttpGivesTheSameText() throws Exception {
        OpenAiChatModel whole = OpenAiChatModel.builder().baseUrl(baseUrl(stories)).apiKey("test-key")
                .modelName("stories260K").temperature(0.0).maxTokens(16).maxRetries(0).build();
        OpenAiStreamingChatModel streaming = OpenAiStreamingChatModel.builder().baseUrl(baseUrl(stories))
                .apiKey("test-key").modelName("stories260K").temperature(0.0).maxTokens(16).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from(PROMPT)).build();
        KilnChatModelTest.Recorder recorder = new KilnChatModelTest.Recorder();
        streaming.chat(request, recorder);
        ChatResponse streamed = recorder.done.get(60, TimeUnit.SECONDS);
        assertTrue(recorder.pieces > 1, "streamed in " + recorder.pieces + " pieces");
        String text = whole.chat(request).aiMessage().text();
        assertEquals(text, recorder.text.toString());
        assertEquals(text, streamed.aiMessage().text());
    }

    interface Assistant {
        String chat(String message);
    }

    static final class WeatherTool {
        final List<String> cities = new CopyOnWriteArrayList<>();
        final String nonce = UUID.randomUUID().toString();

        @Tool("Current weather for a city")
        String weather(@P("the city") String city) {
            cities.add(city);
            return "{\"celsius\": 3, \"nonce\": \"" + nonce + "\"}";
        }
    }

    @Test
    void aToolCallRoundTripThroughTheServer() {
        OpenAiChatModel client = OpenAiChatModel.builder().baseUrl(baseUrl(weather)).apiKey("test-key")
                .modelName("qwen-shaped").temperature(0.0).maxRetries(0).build();
        WeatherTool tool = new WeatherTool();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(client).tools(tool).build();
        String answer = assistant.chat("What is the weather in Zürich?");
        assertEquals(List.of("Zürich"), tool.cities);
        assertEquals(WeatherModel.ANSWER_PREFIX + "{\"celsius\": 3, \"nonce\": \"" + tool.nonce + "\"}", answer);
    }
}
