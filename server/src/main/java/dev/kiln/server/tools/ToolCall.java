package dev.kiln.server.tools;

/** One parsed call: the call id, the function name and its arguments as a JSON object string (OpenAI shape). */
public record ToolCall(String id, String name, String arguments) {
}
