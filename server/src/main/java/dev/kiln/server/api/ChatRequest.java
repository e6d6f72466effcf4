package dev.kiln.server.api;

import dev.kiln.core.chat.ChatMessage;

import java.util.List;
import java.util.Map;

/**
 * A validated {@code POST /v1/chat/completions} body. Messages are typed ({@code developer} read as
 * {@code system}, text parts joined, tool-call arguments parsed from their JSON strings into objects); tools are
 * the validated function tools as sent.
 *
 * @param toolChoice {@code auto}, {@code none}, {@code required}, or a function name
 * @param templateVariables {@code chat_template_kwargs} (llama-server), for example {@code enable_thinking}
 */
public record ChatRequest(List<ChatMessage> messages, List<FunctionTool> tools, String toolChoice,
                          Map<String, Object> templateVariables, SamplingFields sampling) {
}
