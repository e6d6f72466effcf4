package dev.kiln.server.api;

import java.util.List;
import java.util.Map;

/**
 * A validated {@code POST /v1/chat/completions} body. Messages and tools are already in the shape chat templates
 * expect (tool-call arguments parsed from their JSON strings into objects).
 *
 * @param toolChoice {@code auto}, {@code none}, {@code required}, or a function name
 * @param templateVariables {@code chat_template_kwargs} (llama-server), for example {@code enable_thinking}
 */
public record ChatRequest(List<Map<String, Object>> messages, List<Map<String, Object>> tools, String toolChoice,
                          Map<String, Object> templateVariables, SamplingFields sampling) {
}
