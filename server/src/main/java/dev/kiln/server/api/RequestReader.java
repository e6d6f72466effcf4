package dev.kiln.server.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.chat.JsonValues;
import dev.kiln.core.chat.ToolCall;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and validates request bodies into request records. Parsing is Jackson's; this class only checks types and
 * ranges, and every error names the field ({@code max_tokens}, {@code messages[1].role}) so a client knows what to fix.
 * Unknown fields are ignored, as the OpenAI API does.
 */
public final class RequestReader {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private RequestReader() {
    }

    /** Parses a body that must be a JSON object. */
    public static ObjectNode object(byte[] body) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "invalid_request_error", "invalid_json", null,
                    "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiException(400, "invalid_request_error", "invalid_json", null, "cannot read the request body");
        }
        if (node == null || !node.isObject()) {
            throw new ApiException(400, "invalid_request_error", "invalid_json", null,
                    "the request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    public static ChatRequest chat(ObjectNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array of messages");
        }
        List<ChatMessage> rendered = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            rendered.add(message(messages.get(i), "messages[" + i + "]"));
        }
        List<FunctionTool> tools = tools(body.get("tools"));
        String toolChoice = toolChoice(body.get("tool_choice"), tools);
        Map<String, Object> variables = new LinkedHashMap<>();
        JsonNode kwargs = body.get("chat_template_kwargs");
        if (kwargs != null && !kwargs.isNull()) {
            if (!kwargs.isObject()) {
                throw ApiException.invalid("chat_template_kwargs", "'chat_template_kwargs' must be an object");
            }
            variables.putAll(Json.MAPPER.convertValue(kwargs, MAP));
        }
        return new ChatRequest(rendered, tools, toolChoice, variables, sampling(body, true));
    }

    public static CompletionRequest completion(ObjectNode body) {
        JsonNode prompt = body.get("prompt");
        String text;
        if (prompt != null && prompt.isTextual()) {
            text = prompt.asText();
        } else if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
            text = prompt.get(0).asText();
        } else {
            throw ApiException.invalid("prompt", "'prompt' must be a string (or a list of one string)");
        }
        if (text.isEmpty()) {
            throw ApiException.invalid("prompt", "'prompt' must not be empty");
        }
        return new CompletionRequest(text, sampling(body, false));
    }

    /** One message; {@code developer} is read as {@code system}, keys other than the OpenAI ones are dropped. */
    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw ApiException.invalid(where, "'" + where + "' must be an object with 'role' and 'content'");
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual()) {
            throw ApiException.invalid(where + ".role", "'" + where + ".role' must be a string");
        }
        if (!ROLES.contains(role.asText())) {
            throw ApiException.invalid(where + ".role", "'" + where + ".role' is '" + role.asText()
                    + "'; expected one of system, developer, user, assistant, tool");
        }
        JsonNode toolCalls = m.get("tool_calls");
        String content = content(m.get("content"), where + ".content",
                role.asText().equals("assistant") && toolCalls != null);
        List<ToolCall> calls = toolCalls != null && !toolCalls.isNull()
                ? toolCalls(toolCalls, where + ".tool_calls") : null;
        String[] strings = new String[3];
        String[] keys = {"tool_call_id", "name", "reasoning_content"};
        for (int k = 0; k < keys.length; k++) {
            String key = keys[k];
            JsonNode v = m.get(key);
            if (v != null && !v.isNull()) {
                if (!v.isTextual()) {
                    throw ApiException.invalid(where + "." + key, "'" + where + "." + key + "' must be a string");
                }
                strings[k] = v.asText();
            }
        }
        return new ChatMessage(role.asText().equals("developer") ? "system" : role.asText(), content, null, calls,
                strings[0], strings[1], strings[2]);
    }

    /** String content, or the text parts of a content array joined. */
    private static String content(JsonNode c, String where, boolean mayBeNull) {
        if (c == null || c.isNull()) {
            if (mayBeNull) {
                return "";
            }
            throw ApiException.invalid(where, "'" + where + "' is missing");
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < c.size(); i++) {
                JsonNode part = c.get(i);
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(where + "[" + i + "]",
                            "'" + where + "[" + i + "]' must be a text part {\"type\": \"text\", \"text\": \"...\"}");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiException.invalid(where, "'" + where + "' must be a string or an array of text parts");
    }

    private static List<ToolCall> toolCalls(JsonNode calls, String where) {
        if (!calls.isArray()) {
            throw ApiException.invalid(where, "'" + where + "' must be an array");
        }
        List<ToolCall> out = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            String at = where + "[" + i + "]";
            JsonNode call = calls.get(i);
            JsonNode function = call.path("function");
            if (!function.path("name").isTextual()) {
                throw ApiException.invalid(at + ".function.name", "'" + at + ".function.name' must be a string");
            }
            JsonNode arguments = function.get("arguments");
            String name = function.get("name").asText();
            String id = call.path("id").isTextual() ? call.get("id").asText() : null;
            Object args;
            if (arguments == null || arguments.isNull()) {
                args = new LinkedHashMap<String, Object>();
            } else if (arguments.isTextual()) {
                try {
                    JsonNode parsed = Json.MAPPER.readTree(arguments.asText().isBlank() ? "{}" : arguments.asText());
                    // a JSON string inside the string is parsed once more (text that is not JSON is kept)
                    args = parsed.isTextual() ? ToolCall.ofJsonArguments(id, name, parsed.textValue()).arguments()
                            : JsonValues.fromNode(parsed);
                } catch (JsonProcessingException e) {
                    throw ApiException.invalid(at + ".function.arguments",
                            "'" + at + ".function.arguments' is not a JSON string: " + e.getOriginalMessage());
                }
            } else if (arguments.isObject()) {
                args = JsonValues.fromNode(arguments);
            } else {
                throw ApiException.invalid(at + ".function.arguments",
                        "'" + at + ".function.arguments' must be a JSON string");
            }
            out.add(new ToolCall(id, "function", name, args));
        }
        return out;
    }

    private static List<FunctionTool> tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw ApiException.invalid("tools", "'tools' must be an array of function tools");
        }
        List<FunctionTool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode t = tools.get(i);
            if (!"function".equals(t.path("type").asText()) || !t.path("function").path("name").isTextual()) {
                throw ApiException.invalid("tools[" + i + "]",
                        "'tools[" + i + "]' must be {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
            out.add(new FunctionTool(t.get("function").get("name").asText(), (ObjectNode) t));
        }
        return out;
    }

    /**
     * {@code tool_choice}: "auto", "none", "required" or {@code {"type": "function", "function": {"name": ...}}} (the
     * name is returned). "required" and a named function need {@code tools} (as the OpenAI API says); llama-server
     * itself takes only the three strings and reads any other value as "auto".
     */
    private static String toolChoice(JsonNode choice, List<FunctionTool> tools) {
        if (choice == null || choice.isNull()) {
            return tools.isEmpty() ? "none" : "auto";
        }
        if (choice.isTextual() && Set.of("auto", "none", "required").contains(choice.asText())) {
            if (choice.asText().equals("required") && tools.isEmpty()) {
                throw ApiException.invalid("tool_choice", "'tool_choice' \"required\" needs a non-empty 'tools'");
            }
            return choice.asText();
        }
        if (choice.isObject() && choice.path("function").path("name").isTextual()
                && !choice.path("function").path("name").asText().isEmpty()
                && (choice.get("type") == null || "function".equals(choice.get("type").asText(null)))) {
            String name = choice.get("function").get("name").asText();
            if (tools.isEmpty()) {
                throw ApiException.invalid("tool_choice", "'tool_choice' names the function '" + name
                        + "', but the request has no 'tools'");
            }
            return name;
        }
        throw ApiException.invalid("tool_choice",
                "'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\": ...}}");
    }

    private static SamplingFields sampling(ObjectNode body, boolean chat) {
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.asInt() == 1)) {
            throw ApiException.invalid("n", "'n' must be 1: one choice per request is supported");
        }
        Integer maxTokens = integer(body, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = integer(body, "max_tokens", 1, Integer.MAX_VALUE);
        }
        Double temperature = number(body, "temperature", 0, 2);
        Double topP = number(body, "top_p", 0, 1);
        Integer topK = integer(body, "top_k", 0, Integer.MAX_VALUE);
        Double minP = number(body, "min_p", 0, 1);
        Long seed = body.hasNonNull("seed") ? longValue(body, "seed") : null;
        Double presence = number(body, "presence_penalty", -2, 2);
        Double frequency = number(body, "frequency_penalty", -2, 2);
        List<String> stop = stop(body.get("stop"));
        boolean logprobs;
        int topLogprobs;
        if (chat) {
            logprobs = bool(body, "logprobs");
            Integer top = integer(body, "top_logprobs", 0, 20);
            if (top != null && !logprobs) {
                throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            }
            topLogprobs = top == null ? 0 : top;
        } else {
            Integer top = integer(body, "logprobs", 0, 5);
            logprobs = top != null;
            topLogprobs = top == null ? 0 : top;
        }
        Integer budget = integer(body, "reasoning_budget", -1, Integer.MAX_VALUE);
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiException.invalid("stream_options", "'stream_options' must be an object");
            }
            includeUsage = bool((ObjectNode) options, "include_usage", "stream_options.include_usage");
        }
        return new SamplingFields(maxTokens, temperature, topP, topK, minP, seed, stop, presence, frequency,
                logprobs, topLogprobs, budget, stream, includeUsage, outputFormat(body), bool(body, "ignore_eos"));
    }

    /**
     * {@code response_format} (OpenAI), {@code json_schema} and {@code grammar} (llama-server); at most one of them
     * may constrain the reply. {@code {"type": "text"}} is no constraint.
     */
    private static OutputFormat outputFormat(ObjectNode body) {
        List<OutputFormat> found = new ArrayList<>();
        JsonNode rf = body.get("response_format");
        if (rf != null && !rf.isNull()) {
            if (!rf.isObject() || !rf.path("type").isTextual()) {
                throw ApiException.invalid("response_format",
                        "'response_format' must be an object with a 'type': \"text\", \"json_object\" or \"json_schema\"");
            }
            switch (rf.get("type").asText()) {
                case "text" -> {
                }
                case "json_object" -> found.add(rf.has("schema") && rf.get("schema").isObject()
                        ? new OutputFormat(rf.get("schema"), null, false, "response_format.schema")
                        : new OutputFormat(null, null, true, "response_format"));
                case "json_schema" -> {
                    JsonNode js = rf.get("json_schema");
                    if (js == null || !js.isObject()) {
                        throw ApiException.invalid("response_format.json_schema",
                                "'response_format.json_schema' must be an object with a 'schema'");
                    }
                    JsonNode schema = js.has("schema") ? js.get("schema") : null;
                    if (schema == null || !(schema.isObject() || schema.isBoolean())) {
                        throw ApiException.invalid("response_format.json_schema.schema",
                                "'response_format.json_schema.schema' must be a JSON Schema object");
                    }
                    if (js.has("name") && !js.get("name").isTextual()) {
                        throw ApiException.invalid("response_format.json_schema.name",
                                "'response_format.json_schema.name' must be a string");
                    }
                    if (js.has("strict") && !js.get("strict").isBoolean() && !js.get("strict").isNull()) {
                        throw ApiException.invalid("response_format.json_schema.strict",
                                "'response_format.json_schema.strict' must be true or false");
                    }
                    found.add(new OutputFormat(schema, null, false, "response_format.json_schema.schema"));
                }
                default -> throw ApiException.invalid("response_format.type", "'response_format.type' is '"
                        + rf.get("type").asText() + "'; expected \"text\", \"json_object\" or \"json_schema\"");
            }
        }
        JsonNode schema = body.get("json_schema");
        if (schema != null && !schema.isNull()) {
            if (!schema.isObject() && !schema.isBoolean()) {
                throw ApiException.invalid("json_schema", "'json_schema' must be a JSON Schema object");
            }
            found.add(new OutputFormat(schema, null, false, "json_schema"));
        }
        JsonNode grammar = body.get("grammar");
        if (grammar != null && !grammar.isNull()) {
            if (!grammar.isTextual()) {
                throw ApiException.invalid("grammar", "'grammar' must be a string of GBNF rules");
            }
            if (!grammar.asText().isBlank()) {
                found.add(new OutputFormat(null, grammar.asText(), false, "grammar"));
            }
        }
        if (found.size() > 1) {
            throw ApiException.invalid(found.get(1).param(), "'" + found.get(0).param() + "' and '"
                    + found.get(1).param() + "' both constrain the reply; send one of them");
        }
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<String> stop(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (stop.isArray()) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < stop.size(); i++) {
                if (!stop.get(i).isTextual()) {
                    throw ApiException.invalid("stop[" + i + "]", "'stop[" + i + "]' must be a string");
                }
                out.add(stop.get(i).asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "'stop' must be a string or an array of strings");
    }

    private static Integer integer(ObjectNode body, String field, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer, got " + describe(v));
        }
        long x = v.asLong();
        if (x < min || x > max) {
            throw ApiException.invalid(field, "'" + field + "' must be " + range(min, max) + ", got " + x);
        }
        return (int) x;
    }

    private static long longValue(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer, got " + describe(v));
        }
        return v.asLong();
    }

    private static Double number(ObjectNode body, String field, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw ApiException.invalid(field, "'" + field + "' must be a number, got " + describe(v));
        }
        double x = v.asDouble();
        if (!(x >= min && x <= max)) {
            throw ApiException.invalid(field, "'" + field + "' must be between " + min + " and " + max + ", got " + x);
        }
        return x;
    }

    private static boolean bool(ObjectNode body, String field) {
        return bool(body, field, field);
    }

    private static boolean bool(ObjectNode body, String field, String name) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(name, "'" + name + "' must be true or false, got " + describe(v));
        }
        return v.asBoolean();
    }

    private static String range(int min, int max) {
        return max == Integer.MAX_VALUE ? ">= " + min : "between " + min + " and " + max;
    }

    private static String describe(JsonNode v) {
        return v.isTextual() ? "a string" : v.isArray() ? "an array" : v.isObject() ? "an object" : v.toString();
    }

    /** Reads {@code /tokenize}'s {@code content}. */
    public static String text(ObjectNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) {
            throw ApiException.invalid(field, "'" + field + "' must be a string");
        }
        return v.asText();
    }

    /** Reads {@code /detokenize}'s {@code tokens}, each checked against the vocabulary size. */
    public static int[] tokens(ObjectNode body, String field, int vocabularySize) {
        JsonNode v = body.get(field);
        if (v == null || !v.isArray()) {
            throw ApiException.invalid(field, "'" + field + "' must be an array of token ids");
        }
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = v.get(i);
            if (!t.isIntegralNumber() || t.asLong() < 0 || t.asLong() >= vocabularySize) {
                throw ApiException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a token id in [0, "
                        + vocabularySize + "), got " + t);
            }
            out[i] = t.asInt();
        }
        return out;
    }

    /** An optional boolean of a llama-server extension body ({@code add_special}). */
    public static boolean flag(ObjectNode body, String field, boolean absent) {
        return body.hasNonNull(field) ? bool(body, field) : absent;
    }
}
