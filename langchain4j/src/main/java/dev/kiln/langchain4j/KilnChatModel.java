package dev.kiln.langchain4j;

import dev.kiln.server.api.ApiException;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.QueueFullException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Kiln as a LangChain4j {@link ChatModel} and {@link StreamingChatModel}, in this JVM and without a server: messages
 * are rendered with the model's own chat template, tools are offered through it, and the model's tool calls are read
 * back by the server's parsers for its family (Mistral, Qwen/Hermes, Llama 3, DeepSeek-R1), so {@code AiServices} with
 * {@code @Tool} methods work on a local GGUF file. Thinking goes to {@code AiMessage.thinking()}.
 *
 * <pre>{@code
 * try (KilnChatModel model = KilnChatModel.builder().modelPath(Path.of("model.gguf")).temperature(0.2).build()) {
 *     Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Tools()).build();
 *     System.out.println(assistant.chat("What is the weather in Zürich?"));
 * }
 * }</pre>
 *
 * {@code ResponseFormat} JSON, with or without a {@code JsonSchema}, is enforced by the grammar engine (only text the
 * schema accepts is generated), so {@code AiServices} methods that return a record or POJO get it parsed from JSON
 * that fits; objects that list their properties are sent closed to others (see {@link Builder#strictJsonSchema}).
 * Tool choice {@code REQUIRED} holds the reply to the model family's tool-call syntax. Unset parameters take
 * llama-server's defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05). Calls may come from several threads:
 * they share the engine's slots. The JVM needs
 * {@code --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED}.
 */
public final class KilnChatModel implements ChatModel, StreamingChatModel, AutoCloseable {

    private final KilnEngine engine;
    private final boolean ownsEngine;
    private final ChatRequestParameters defaults;
    private final KilnSampling sampling;
    private final List<ChatModelListener> listeners;

    private KilnChatModel(Builder b) {
        if ((b.engine == null) == (b.modelPath == null)) {
            throw new IllegalArgumentException("give either engine(...) or modelPath(...)");
        }
        this.ownsEngine = b.engine == null;
        this.engine = ownsEngine ? KilnEngine.builder().modelPath(b.modelPath).build() : b.engine;
        this.defaults = DefaultChatRequestParameters.builder()
                .modelName(engine.modelName())
                .temperature(b.temperature).topP(b.topP).topK(b.topK)
                .presencePenalty(b.presencePenalty).frequencyPenalty(b.frequencyPenalty)
                .maxOutputTokens(b.maxOutputTokens).stopSequences(b.stopSequences)
                .responseFormat(b.responseFormat)
                .build();
        this.sampling = new KilnSampling(b.minP, b.seed, b.reasoningBudget, Boolean.TRUE.equals(b.strictJsonSchema));
        this.listeners = List.copyOf(b.listeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        return new Reply(submit(request), engine.modelName(), null).await();
    }

    /** Returns at once; the handler is called from a virtual thread, one call at a time, in order. */
    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Objects.requireNonNull(handler, "handler");
        GenerationJob job;
        try {
            job = submit(request);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Thread.ofVirtual().name("kiln-langchain4j-stream").start(() -> {
            ChatResponse response;
            try {
                response = new Reply(job, engine.modelName(), handler).await();
            } catch (RuntimeException | Error e) {
                handler.onError(e);
                return;
            }
            handler.onCompleteResponse(response);
        });
    }

    private GenerationJob submit(ChatRequest request) {
        try {
            return engine.chat().chat(OpenAiBodies.chat(request, sampling));
        } catch (ApiException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        } catch (QueueFullException e) {
            throw new RateLimitException(e.getMessage(), e);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return defaults;
    }

    @Override
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    @Override
    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** {@code RESPONSE_FORMAT_JSON_SCHEMA}: AiServices sends its return type's schema, not a text in the prompt. */
    @Override
    public Set<Capability> supportedCapabilities() {
        return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
    }

    /** The engine this model runs on. */
    public KilnEngine engine() {
        return engine;
    }

    /** Frees the model if this chat model loaded it ({@link Builder#modelPath}); a shared engine stays open. */
    @Override
    public void close() {
        if (ownsEngine) {
            engine.close();
        }
    }

    /** Default request parameters; a request's own parameters override them. */
    public static final class Builder {
        private KilnEngine engine;
        private Path modelPath;
        private Double temperature;
        private Double topP;
        private Integer topK;
        private Double minP;
        private Long seed;
        private Double presencePenalty;
        private Double frequencyPenalty;
        private Integer maxOutputTokens;
        private List<String> stopSequences;
        private Integer reasoningBudget;
        private ResponseFormat responseFormat;
        private Boolean strictJsonSchema;
        private List<ChatModelListener> listeners = List.of();

        private Builder() {
        }

        /** Runs on a shared engine, which the caller closes. */
        public Builder engine(KilnEngine engine) {
            this.engine = engine;
            return this;
        }

        /** Loads this GGUF file with the engine's defaults; {@link KilnChatModel#close()} frees it. */
        public Builder modelPath(Path modelPath) {
            this.modelPath = modelPath;
            return this;
        }

        /** 0 is greedy (default 0.8). */
        public Builder temperature(Double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** 1.0 disables (default 0.95). */
        public Builder topP(Double topP) {
            this.topP = topP;
            return this;
        }

        /** 0 disables (default 40). */
        public Builder topK(Integer topK) {
            this.topK = topK;
            return this;
        }

        /** 0 disables (default 0.05). */
        public Builder minP(Double minP) {
            this.minP = minP;
            return this;
        }

        /** For reproducible sampling (default: a random seed per request). */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder presencePenalty(Double presencePenalty) {
            this.presencePenalty = presencePenalty;
            return this;
        }

        public Builder frequencyPenalty(Double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
            return this;
        }

        /** Tokens to generate at most (default: until the model stops or the request's context is full). */
        public Builder maxOutputTokens(Integer maxOutputTokens) {
            this.maxOutputTokens = maxOutputTokens;
            return this;
        }

        public Builder stopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
            return this;
        }

        /** Thinking tokens allowed: -1 unlimited, 0 none, N closes the think block after N (default: the engine's). */
        public Builder reasoningBudget(Integer reasoningBudget) {
            this.reasoningBudget = reasoningBudget;
            return this;
        }

        /** The reply's format when a request gives none: {@code ResponseFormat.JSON}, with or without a schema. */
        public Builder responseFormat(ResponseFormat responseFormat) {
            this.responseFormat = responseFormat;
            return this;
        }

        /**
         * Sends {@code ResponseFormat} schemas in OpenAI's strict form, as {@code OpenAiChatModel.strictJsonSchema}
         * does: every property of every object present (the optional ones may be null) and no other properties.
         * Default false: the schema as given, except that an object with properties and no
         * {@code additionalProperties} gets {@code false} (the model never sees the schema, only the grammar, so an
         * open object lets it invent members a POJO cannot take); LangChain4j's POJO schemas leave every field
         * optional unless {@code @JsonProperty(required = true)} says otherwise.
         */
        public Builder strictJsonSchema(Boolean strictJsonSchema) {
            this.strictJsonSchema = strictJsonSchema;
            return this;
        }

        public Builder listeners(List<ChatModelListener> listeners) {
            this.listeners = listeners == null ? List.of() : listeners;
            return this;
        }

        public KilnChatModel build() {
            return new KilnChatModel(this);
        }
    }
}
