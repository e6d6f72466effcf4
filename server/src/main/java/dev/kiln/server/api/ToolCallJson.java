package dev.kiln.server.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A tool call in a response: whole in a message, or as a streamed delta ({@code index} set; id, type and name only in
 * the first delta of a call, then {@code arguments} pieces).
 */
public record ToolCallJson(@JsonInclude(JsonInclude.Include.NON_NULL) Integer index, String id, String type,
                           Function function) {

    public record Function(String name, String arguments) {
    }
}
