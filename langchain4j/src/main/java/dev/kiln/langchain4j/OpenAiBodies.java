package dev.kiln.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementJsonUtils;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;

import java.util.List;

/**
 * A LangChain4j {@link ChatRequest} as the OpenAI {@code /v1/chat/completions} body the server reads, so that the
 * in-process path validates, renders (chat template, tools) and parses tool calls exactly as {@code kiln serve} does.
 */
final class OpenAiBodies {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiBodies() {
    }

    /**
     * @param request  the request with the model's default parameters already applied
     * @param sampling Kiln's own settings, which LangChain4j parameters do not have (min-p, seed, thinking budget,
     *                 strict JSON schemas)
     */
    static ObjectNode chat(ChatRequest request, KilnSampling sampling) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : request.messages()) {
            messages.add(message(m));
        }
        List<ToolSpecification> tools = request.toolSpecifications();
        if (tools != null && !tools.isEmpty()) {
            ArrayNode array = body.putArray("tools");
            for (ToolSpecification t : tools) {
                array.add(tool(t));
            }
            ToolChoice choice = request.toolChoice();
            if (choice != null) {
                body.put("tool_choice", switch (choice) {
                    case AUTO -> "auto";
                    case REQUIRED -> "required";   // the reply is held to the family's tool-call syntax
                    case NONE -> "none";
                });
            }
        }
        ObjectNode format = ResponseFormats.toOpenAi(request.responseFormat(), sampling.strictJsonSchema());
        if (format != null) {
            body.set("response_format", format);
        }
        putIfSet(body, "temperature", request.temperature());
        putIfSet(body, "top_p", request.topP());
        if (request.topK() != null) {
            body.put("top_k", request.topK());
        }
        putIfSet(body, "presence_penalty", request.presencePenalty());
        putIfSet(body, "frequency_penalty", request.frequencyPenalty());
        if (request.maxOutputTokens() != null) {
            body.put("max_tokens", request.maxOutputTokens());
        }
        List<String> stop = request.stopSequences();
        if (stop != null && !stop.isEmpty()) {
            ArrayNode array = body.putArray("stop");
            stop.forEach(array::add);
        }
        putIfSet(body, "min_p", sampling.minP());
        if (sampling.seed() != null) {
            body.put("seed", sampling.seed());
        }
        if (sampling.reasoningBudget() != null) {
            body.put("reasoning_budget", sampling.reasoningBudget());
        }
        return body;
    }

    private static ObjectNode message(ChatMessage message) {
        ObjectNode m = JSON.createObjectNode();
        switch (message) {
            case SystemMessage s -> m.put("role", "system").put("content", s.text());
            case UserMessage u -> {
                m.put("role", "user").put("content", text(u));
                if (u.name() != null) {
                    m.put("name", u.name());
                }
            }
            case AiMessage a -> {
                m.put("role", "assistant");
                if (a.text() != null) {
                    m.put("content", a.text());
                } else {
                    m.putNull("content");
                }
                if (a.thinking() != null) {
                    m.put("reasoning_content", a.thinking());
                }
                if (a.hasToolExecutionRequests()) {
                    ArrayNode calls = m.putArray("tool_calls");
                    for (ToolExecutionRequest r : a.toolExecutionRequests()) {
                        ObjectNode call = calls.addObject();
                        if (r.id() != null) {
                            call.put("id", r.id());
                        }
                        call.put("type", "function");
                        call.putObject("function").put("name", r.name())
                                .put("arguments", r.arguments() == null ? "{}" : r.arguments());
                    }
                }
            }
            case ToolExecutionResultMessage t -> {
                m.put("role", "tool").put("content", t.text());
                if (t.id() != null) {
                    m.put("tool_call_id", t.id());
                }
                if (t.toolName() != null) {
                    m.put("name", t.toolName());
                }
            }
            default -> throw new UnsupportedFeatureException("Kiln cannot send a " + message.type()
                    + " message to the model's chat template");
        }
        return m;
    }

    /** The text of a user message; Kiln runs text models, so other content (images, audio) is refused. */
    private static String text(UserMessage u) {
        if (u.hasSingleText()) {
            return u.singleText();
        }
        StringBuilder text = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException("Kiln runs text-only models; a user message holds "
                        + c.type() + " content");
            }
            text.append(t.text());
        }
        return text.toString();
    }

    /** {@code {"type": "function", "function": {"name", "description", "parameters"}}}, as templates print tools. */
    private static ObjectNode tool(ToolSpecification t) {
        ObjectNode tool = JSON.createObjectNode().put("type", "function");
        ObjectNode function = tool.putObject("function").put("name", t.name());
        if (t.description() != null) {
            function.put("description", t.description());
        }
        if (t.parameters() != null) {
            function.set("parameters", JSON.valueToTree(JsonSchemaElementJsonUtils.toMap(t.parameters())));
        } else {
            function.putObject("parameters").put("type", "object").putObject("properties");
        }
        return tool;
    }

    private static void putIfSet(ObjectNode body, String field, Double value) {
        if (value != null) {
            body.put(field, value);
        }
    }
}
