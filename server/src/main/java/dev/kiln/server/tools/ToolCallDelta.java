package dev.kiln.server.tools;

/**
 * A piece of a streamed tool call (OpenAI's {@code delta.tool_calls[]}): the first piece of call {@code index} carries
 * its id and name, later pieces only more of the arguments text. Concatenating a call's {@code arguments} pieces gives
 * its arguments JSON.
 */
public record ToolCallDelta(int index, String id, String name, String arguments) {
}
