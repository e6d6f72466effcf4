package dev.kiln.langchain4j;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.kiln.server.LocalChat;
import dev.kiln.server.fake.ByteCodec;
import dev.kiln.server.fake.FakeChat;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import dev.kiln.server.model.ServedModel;
import dev.kiln.testdata.TestData;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kiln as a LangChain4j ChatModel / StreamingChatModel in this JVM: the real stories260K model for text (streamed and
 * whole, and held to JSON schemas by the grammar engine), and a scripted model behind the real Qwen2.5 template for
 * tools ({@link WeatherModel}), driven by AiServices.
 */
class KilnChatModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static KilnEngine stories;
    private static KilnEngine weather;

    @BeforeAll
    static void load() {
        weather = new KilnEngine(new LocalChat(WeatherModel.served(), 64, 8, -1));
        stories = KilnEngine.builder().modelPath(TestData.require("real/stories260K.gguf")).threads(1)
                .contextSize(512).parallel(2).build();
    }

    @AfterAll
    static void close() {
        if (stories != null) stories.close();
        if (weather != null) weather.close();
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
            return "{\"celsius\": 3, \"sky\": \"foggy\", \"nonce\": \"" + nonce + "\"}";
        }
    }

    @Test
    void aiServicesCallTheToolAndAnswerFromItsResult() {
        WeatherTool tool = new WeatherTool();
        KilnChatModel model = KilnChatModel.builder().engine(weather).temperature(0.0).build();
        Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(tool).build();
        String answer = assistant.chat("What is the weather in Zürich?");
        assertEquals(List.of("Zürich"), tool.cities);
        // the scripted model can only say this after the tool's result went through the template into its prompt
        assertEquals(WeatherModel.ANSWER_PREFIX + "{\"celsius\": 3, \"sky\": \"foggy\", \"nonce\": \"" + tool.nonce + "\"}",
                answer);
    }

    @Test
    void aStreamedToolCallArrivesInPiecesAndWhole() throws Exception {
        KilnChatModel model = KilnChatModel.builder().engine(weather).temperature(0.0).build();
        ToolSpecification spec = ToolSpecification.builder().name("weather").description("Current weather for a city")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build()).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Weather in Zürich?"))
                .toolSpecifications(spec).build();
        Recorder recorder = new Recorder();
        model.chat(request, recorder);
        ChatResponse response = recorder.done.get(30, TimeUnit.SECONDS);

        assertEquals(FinishReason.TOOL_EXECUTION, response.finishReason());
        var call = response.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("weather", call.name());
        assertEquals("{\"city\":\"Zürich\"}", call.arguments());
        assertEquals(1, recorder.complete.size());
        assertEquals(call.arguments(), recorder.complete.getFirst().toolExecutionRequest().arguments());
        assertEquals(call.id(), recorder.complete.getFirst().toolExecutionRequest().id());
        StringBuilder pieces = new StringBuilder();
        for (PartialToolCall p : recorder.partial) {
            assertEquals("weather", p.name());
            assertEquals(call.id(), p.id());
            pieces.append(p.partialArguments());
        }
        assertEquals(call.arguments(), pieces.toString());
        assertTrue(recorder.text.isEmpty(), "no content around the call: " + recorder.text);

        // the whole (non-streamed) reply is the same call
        ChatResponse whole = model.chat(request);
        assertEquals(call.arguments(), whole.aiMessage().toolExecutionRequests().getFirst().arguments());
    }

    @Test
    void streamingGivesTheWholeReplyPieceByPiece() throws Exception {
        KilnChatModel model = KilnChatModel.builder().engine(stories).temperature(0.0).maxOutputTokens(24).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Tell me a story about a cat.")).build();
        ChatResponse whole = model.chat(request);
        assertFalse(whole.aiMessage().text().isEmpty());
        assertEquals(24, whole.tokenUsage().outputTokenCount());
        assertEquals(FinishReason.LENGTH, whole.finishReason());
        assertTrue(whole.tokenUsage().inputTokenCount() > 5, whole.tokenUsage().toString());

        Recorder recorder = new Recorder();
        model.chat(request, recorder);
        ChatResponse streamed = recorder.done.get(30, TimeUnit.SECONDS);
        assertTrue(recorder.pieces > 1, "streamed in " + recorder.pieces + " pieces");
        assertEquals(whole.aiMessage().text(), recorder.text.toString());
        assertEquals(whole.aiMessage().text(), streamed.aiMessage().text());
    }

    /** A scripted model that thinks forever: the reasoning budget closes its think block, and it answers. */
    @Test
    void thinkingGoesToAiMessageThinkingWithinTheBudget() throws Exception {
        try (KilnEngine thinker = new KilnEngine(new LocalChat(new ServedModel("thinker",
                new ScriptedModel(Script.endlessThinker("Paris."), 1, 512, 0), new ByteCodec(),
                new FakeChat("{{ '<think>' }}"), null), 64, 4, -1))) {
            KilnChatModel model = KilnChatModel.builder().engine(thinker).temperature(0.0).reasoningBudget(9).build();
            ChatRequest request = ChatRequest.builder().messages(UserMessage.from("capital?")).build();
            ChatResponse whole = model.chat(request);
            assertEquals("Paris.", whole.aiMessage().text());
            assertEquals("hmm hmm", whole.aiMessage().thinking());

            Recorder recorder = new Recorder();
            model.chat(request, recorder);
            ChatResponse streamed = recorder.done.get(30, TimeUnit.SECONDS);
            assertEquals("Paris.", recorder.text.toString());
            assertEquals("hmm hmm", recorder.thinking.toString());
            assertEquals("hmm hmm", streamed.aiMessage().thinking());
        }
    }

    @Test
    void aRequestParameterOverridesTheModelDefault() {
        KilnChatModel model = KilnChatModel.builder().engine(stories).temperature(0.0).maxOutputTokens(24).build();
        ChatResponse shorter = model.chat(ChatRequest.builder().messages(UserMessage.from("Tell me a story about a cat."))
                .maxOutputTokens(5).build());
        assertEquals(5, shorter.tokenUsage().outputTokenCount());
    }

    @Test
    void aBadParameterIsAnInvalidRequestNamingIt() {
        KilnChatModel model = KilnChatModel.builder().engine(stories).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> model.chat(ChatRequest.builder()
                .messages(UserMessage.from("Hi")).temperature(5.0).build()));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    }

    /** The schema as JSON Schema text, written by hand: replies are checked against it, not against our conversion. */
    private static final String CHARACTER = """
            {"type": "object", "properties": {
               "name": {"type": "string", "maxLength": 16},
               "age": {"type": "integer"},
               "mood": {"type": "string", "enum": ["happy", "sad", "sleepy"]},
               "friends": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 2},
               "home": {"type": "object", "properties": {"town": {"type": "string", "maxLength": 10}},
                        "required": ["town"], "additionalProperties": false}},
             "required": ["name", "age", "mood", "home"], "additionalProperties": false}""";

    /**
     * The same schema built from LangChain4j's elements (raw where they have no keyword for a bound, which keeps the
     * strings of a model that writes stories short).
     */
    private static final ResponseFormat CHARACTER_FORMAT = ResponseFormat.builder().type(ResponseFormatType.JSON)
            .jsonSchema(JsonSchema.builder().name("character").rootElement(JsonObjectSchema.builder()
                    .addProperty("name", JsonRawSchema.from("{\"type\": \"string\", \"maxLength\": 16}"))
                    .addIntegerProperty("age")
                    .addEnumProperty("mood", List.of("happy", "sad", "sleepy"))
                    .addProperty("friends", JsonRawSchema.from("{\"type\": \"array\", \"items\": {\"type\":"
                            + " \"string\", \"maxLength\": 8}, \"maxItems\": 2}"))
                    .addProperty("home", JsonObjectSchema.builder()
                            .addProperty("town", JsonRawSchema.from("{\"type\": \"string\", \"maxLength\": 10}"))
                            .required("town").additionalProperties(false).build())
                    .required("name", "age", "mood", "home").additionalProperties(false)
                    .build()).build())
            .build();

    private static void assertValid(String schema, String json) throws Exception {
        com.networknt.schema.JsonSchema s = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(schema);
        var errors = s.validate(JSON.readTree(json));
        assertTrue(errors.isEmpty(), "not valid under the schema: " + json + " " + errors);
    }

    /**
     * stories260K writes stories, never JSON, by itself: a reply that parses and fits the schema is the grammar's
     * doing. Greedy, then sampled with several seeds, then streamed.
     */
    @Test
    void aJsonSchemaResponseFormatGivesJsonThatFitsIt() throws Exception {
        ChatRequest.Builder request = ChatRequest.builder().messages(UserMessage.from("Tell me about a cat."))
                .responseFormat(CHARACTER_FORMAT).maxOutputTokens(96);
        KilnChatModel greedy = KilnChatModel.builder().engine(stories).temperature(0.0).build();
        ChatResponse whole = greedy.chat(request.build());
        assertValid(CHARACTER, whole.aiMessage().text());
        assertEquals(FinishReason.STOP, whole.finishReason(), whole.aiMessage().text());

        for (long seed = 1; seed <= 3; seed++) {
            KilnChatModel sampled = KilnChatModel.builder().engine(stories).temperature(1.0).seed(seed).build();
            assertValid(CHARACTER, sampled.chat(request.build()).aiMessage().text());
        }

        Recorder recorder = new Recorder();
        greedy.chat(request.build(), recorder);
        recorder.done.get(30, TimeUnit.SECONDS);
        assertEquals(whole.aiMessage().text(), recorder.text.toString());
    }

    @Test
    void jsonWithoutASchemaIsAJsonObject() throws Exception {
        KilnChatModel model = KilnChatModel.builder().engine(stories).temperature(0.0).maxOutputTokens(48)
                .responseFormat(ResponseFormat.JSON).build();
        String text = model.chat(ChatRequest.builder().messages(UserMessage.from("Tell me about a dog.")).build())
                .aiMessage().text();
        assertTrue(JSON.readTree(text).isObject(), text);
        // a request's TEXT format overrides the model's JSON default: the story comes back as prose
        String prose = model.chat(ChatRequest.builder().messages(UserMessage.from("Tell me about a dog."))
                .responseFormat(ResponseFormat.TEXT).build()).aiMessage().text();
        assertFalse(prose.startsWith("{"), prose);
    }

    /** With strict, every property is present, null where the schema left it optional, and no other is. */
    @Test
    void strictJsonSchemaGivesEveryPropertyAndNoOther() throws Exception {
        ResponseFormat optional = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                .name("pet").rootElement(JsonObjectSchema.builder().addStringProperty("name").addIntegerProperty("age")
                        .addBooleanProperty("fluffy").build()).build()).build();
        for (long seed = 1; seed <= 3; seed++) {
            KilnChatModel model = KilnChatModel.builder().engine(stories).temperature(1.0).seed(seed)
                    .maxOutputTokens(64).strictJsonSchema(true).build();
            String text = model.chat(ChatRequest.builder().messages(UserMessage.from("A pet?")).responseFormat(optional)
                    .build()).aiMessage().text();
            List<String> names = new ArrayList<>();
            JSON.readTree(text).fieldNames().forEachRemaining(names::add);
            assertEquals(3, names.size(), text);
            assertEquals(Set.of("name", "age", "fluffy"), Set.copyOf(names), text);
            assertValid("""
                    {"type": "object", "properties": {"name": {"type": ["string", "null"]},
                       "age": {"type": ["integer", "null"]}, "fluffy": {"type": ["boolean", "null"]}},
                     "required": ["name", "age", "fluffy"], "additionalProperties": false}""", text);
        }
    }

    @Test
    void aSchemaTheEngineCannotEnforceIsAnInvalidRequestNamingWhere() {
        KilnChatModel model = KilnChatModel.builder().engine(stories).build();
        ResponseFormat unenforceable = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema
                .builder().name("x").rootElement(JsonRawSchema.from("{\"type\": \"object\", \"properties\":"
                        + " {\"a\": {\"not\": {\"type\": \"string\"}}}}")).build()).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> model.chat(ChatRequest.builder()
                .messages(UserMessage.from("Hi")).responseFormat(unenforceable).build()));
        assertTrue(e.getMessage().contains("#/properties/a/not"), e.getMessage());
    }

    enum Mood { HAPPY, SAD, SLEEPY }

    /** LangChain4j's POJO schemas leave every field optional unless Jackson's {@code required} says otherwise. */
    record Character(@JsonProperty(required = true) String name, @JsonProperty(required = true) int age,
                     @JsonProperty(required = true) Mood mood, List<String> friends) {
    }

    interface Storyteller {
        Character invent(String prompt);
    }

    /**
     * AiServices sends the record's schema as the response format (and no format text in the prompt); the reply has
     * the required members and no others, and comes back as the record.
     */
    @Test
    void aiServicesReturnAPopulatedRecord() throws Exception {
        List<ChatRequest> sent = new CopyOnWriteArrayList<>();
        List<String> replies = new CopyOnWriteArrayList<>();
        KilnChatModel model = KilnChatModel.builder().engine(stories).temperature(0.0).maxOutputTokens(64)
                .listeners(List.of(new ChatModelListener() {
                    @Override
                    public void onRequest(ChatModelRequestContext context) {
                        sent.add(context.chatRequest());
                    }

                    @Override
                    public void onResponse(ChatModelResponseContext context) {
                        replies.add(context.chatResponse().aiMessage().text());
                    }
                })).build();
        Storyteller teller = AiServices.builder(Storyteller.class).chatModel(model).build();
        Character c = teller.invent("Tell me about a cat.");

        assertTrue(c.name() != null && c.mood() != null, String.valueOf(c));
        ResponseFormat format = sent.getFirst().responseFormat();
        assertEquals(ResponseFormatType.JSON, format.type());
        assertEquals("Character", format.jsonSchema().name());
        assertEquals("Tell me about a cat.", ((UserMessage) sent.getFirst().messages().getLast()).singleText());
        JsonNode reply = JSON.readTree(replies.getFirst());
        for (String member : List.of("name", "age", "mood")) {
            assertTrue(reply.has(member), member + " missing: " + reply);
        }
        reply.fieldNames().forEachRemaining(name -> assertTrue(Set.of("name", "age", "mood", "friends").contains(name),
                name + " is not a member of Character: " + reply));
        assertEquals(reply.get("name").asText(), c.name());
        assertEquals(reply.get("age").asInt(), c.age());
        assertEquals(Mood.valueOf(reply.get("mood").asText()), c.mood());
    }

    @Test
    void aModelPathLoadsAndCloseFreesIt() {
        try (KilnChatModel model = KilnChatModel.builder().modelPath(TestData.require("real/stories260K.gguf"))
                .temperature(0.0).maxOutputTokens(3).build()) {
            assertEquals(3, model.chat(ChatRequest.builder().messages(UserMessage.from("Hi")).build())
                    .tokenUsage().outputTokenCount());
        }
        assertThrows(IllegalArgumentException.class, () -> KilnChatModel.builder().build());
        assertThrows(IllegalArgumentException.class, () -> KilnEngine.builder().modelPath(java.nio.file.Path.of("x.gguf"))
                .parallel(0).build());
    }

    /** Collects what a streaming handler is told. */
    static final class Recorder implements StreamingChatResponseHandler {
        final StringBuilder text = new StringBuilder();
        final StringBuilder thinking = new StringBuilder();
        int pieces;
        final List<PartialToolCall> partial = new ArrayList<>();
        final List<CompleteToolCall> complete = new ArrayList<>();
        final CompletableFuture<ChatResponse> done = new CompletableFuture<>();

        @Override
        public void onPartialResponse(String partialResponse) {
            text.append(partialResponse);
            pieces++;
        }

        @Override
        public void onPartialThinking(PartialThinking partialThinking) {
            thinking.append(partialThinking.text());
        }

        @Override
        public void onPartialToolCall(PartialToolCall partialToolCall) {
            partial.add(partialToolCall);
        }

        @Override
        public void onCompleteToolCall(CompleteToolCall completeToolCall) {
            complete.add(completeToolCall);
        }

        @Override
        public void onCompleteResponse(ChatResponse completeResponse) {
            done.complete(completeResponse);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }
    }
}
