package dev.kiln.core.chat;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message of a conversation, in the OpenAI / Hugging Face shape templates expect.
 *
 * @param role             {@code system}, {@code user}, {@code assistant}, {@code tool} (templates decide what
 *                         else they accept)
 * @param content          the text, or null when {@code parts} is used or an assistant turn only calls tools
 * @param parts            content as a list of blocks ({@code [{"type": "text", "text": ...}]}), or null
 * @param toolCalls        the assistant's tool calls, or null
 * @param toolCallId       for {@code tool} messages: the id of the call this answers, or null
 * @param name             for {@code tool} messages: the function name, or null
 * @param reasoningContent the assistant's thinking (Qwen3 renders it in {@code <think>}), or null
 * @param extra            any other keys the client sent (e.g. {@code thinking}, or {@code tools} on a Phi-4
 *                         system message), passed to the template unchanged; plain Java / parsed JSON values
 */
public record ChatMessage(String role, String content, List<ContentPart> parts, List<ToolCall> toolCalls,
                          String toolCallId, String name, String reasoningContent, Map<String, Object> extra) {

    private static final java.util.Set<String> KNOWN = java.util.Set.of("role", "content", "tool_calls",
            "tool_call_id", "name", "reasoning_content");

    public ChatMessage {
        if (role == null) {
            throw new IllegalArgumentException("message without a role");
        }
        if (content != null && parts != null) {
            throw new IllegalArgumentException("message has both text content and content parts");
        }
        parts = parts == null ? null : List.copyOf(parts);
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
        extra = extra == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        for (String key : extra.keySet()) {
            if (KNOWN.contains(key)) {
                throw new IllegalArgumentException("extra message field '" + key + "' has its own component");
            }
        }
    }

    /** A message without extra fields. */
    public ChatMessage(String role, String content, List<ContentPart> parts, List<ToolCall> toolCalls,
                       String toolCallId, String name, String reasoningContent) {
        this(role, content, parts, toolCalls, toolCallId, name, reasoningContent, null);
    }

    public static ChatMessage of(String role, String content) {
        return new ChatMessage(role, content, null, null, null, null, null);
    }

    public static ChatMessage system(String content) {
        return of("system", content);
    }

    public static ChatMessage user(String content) {
        return of("user", content);
    }

    public static ChatMessage assistant(String content) {
        return of("assistant", content);
    }

    /** An assistant turn that calls tools ({@code content} may be null or ""). */
    public static ChatMessage assistantToolCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, null, calls, null, null, null);
    }

    /** The result of a tool call. */
    public static ChatMessage tool(String toolCallId, String name, String content) {
        return new ChatMessage("tool", content, null, null, toolCallId, name, null);
    }

    public ChatMessage withReasoningContent(String reasoning) {
        return new ChatMessage(role, content, parts, toolCalls, toolCallId, name, reasoning, extra);
    }

    /** The text content, or the concatenated text blocks when the content is a list of parts. */
    public String text() {
        if (parts == null) {
            return content == null ? "" : content;
        }
        StringBuilder b = new StringBuilder();
        for (ContentPart p : parts) {
            if (p.text() != null) {
                b.append(p.text());
            }
        }
        return b.toString();
    }

    /**
     * The dict a template sees: {@code role} and {@code content} (None when absent) always, the other keys only
     * when set, so that {@code message.tool_calls is defined} and {@code 'tool_calls' in message} work as in
     * Hugging Face. Internal to the Jinja bridge ({@link ChatTemplate}).
     */
    Map<String, Object> toTemplateValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        if (parts != null) {
            List<Object> blocks = new ArrayList<>();
            for (ContentPart p : parts) {
                blocks.add(p.fields());
            }
            m.put("content", blocks);
        } else {
            m.put("content", content);
        }
        if (toolCalls != null) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall c : toolCalls) {
                calls.add(c.toTemplateValue());
            }
            m.put("tool_calls", calls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        if (name != null) {
            m.put("name", name);
        }
        if (reasoningContent != null) {
            m.put("reasoning_content", reasoningContent);
        }
        m.putAll(extra);
        return m;
    }

    /** Parses an OpenAI-shaped JSON array of messages. */
    public static List<ChatMessage> listFromJson(String json) {
        JsonNode root = JsonValues.readTree(json, "messages");
        if (!root.isArray()) {
            throw new IllegalArgumentException("messages must be a JSON array of {role, content} objects");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            out.add(fromJson(root.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    /**
     * One OpenAI-shaped message object; {@code where} names it in errors (e.g. {@code messages[2]}). Tool-call
     * arguments given as a JSON string are parsed into objects.
     */
    public static ChatMessage fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + " must be an object");
        }
        JsonNode role = node.get("role");
        if (role == null || !role.isTextual()) {
            throw new IllegalArgumentException(where + ".role must be a string");
        }
        String content = null;
        List<ContentPart> parts = null;
        JsonNode c = node.get("content");
        if (c != null && !c.isNull()) {
            if (c.isTextual()) {
                content = c.textValue();
            } else if (c.isArray()) {
                parts = new ArrayList<>();
                for (int i = 0; i < c.size(); i++) {
                    if (!c.get(i).isObject()) {
                        throw new IllegalArgumentException(where + ".content[" + i + "] must be an object");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> fields = (Map<String, Object>) JsonValues.fromNode(c.get(i));
                    parts.add(new ContentPart(fields));
                }
            } else {
                throw new IllegalArgumentException(where + ".content must be a string, an array of parts or null");
            }
        }
        List<ToolCall> calls = null;
        JsonNode tc = node.get("tool_calls");
        if (tc != null && !tc.isNull()) {
            if (!tc.isArray()) {
                throw new IllegalArgumentException(where + ".tool_calls must be an array");
            }
            calls = new ArrayList<>();
            for (int i = 0; i < tc.size(); i++) {
                calls.add(toolCall(tc.get(i), where + ".tool_calls[" + i + "]"));
            }
        }
        Map<String, Object> extra = new LinkedHashMap<>();
        node.properties().forEach(e -> {
            if (!KNOWN.contains(e.getKey())) {
                extra.put(e.getKey(), JsonValues.fromNode(e.getValue()));
            }
        });
        return new ChatMessage(role.textValue(), content, parts, calls, text(node, "tool_call_id", where),
                text(node, "name", where), text(node, "reasoning_content", where), extra);
    }

    private static ToolCall toolCall(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + " must be an object");
        }
        JsonNode fn = node.get("function");
        if (fn == null || !fn.isObject()) {
            throw new IllegalArgumentException(where + ".function must be an object");
        }
        String name = text(fn, "name", where + ".function");
        if (name == null) {
            throw new IllegalArgumentException(where + ".function.name must be a string");
        }
        String id = text(node, "id", where);
        JsonNode args = fn.get("arguments");
        String type = text(node, "type", where);
        if (args != null && args.isTextual()) {
            ToolCall parsed = ToolCall.ofJsonArguments(id, name, args.textValue());
            return new ToolCall(id, type, name, parsed.arguments());
        }
        return new ToolCall(id, type, name, args == null ? new LinkedHashMap<>() : JsonValues.fromNode(args));
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException(where + "." + field + " must be a string");
        }
        return v.textValue();
    }
}
