package dev.kiln.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the reply must look like, as the request asks: OpenAI's {@code response_format} ({@code json_object}, or
 * {@code json_schema} with {@code name}, {@code schema}, {@code strict}), or llama-server's {@code json_schema}
 * (a schema) and {@code grammar} (GBNF) fields.
 *
 * @param schema  the JSON Schema (null for a GBNF grammar or any JSON object)
 * @param grammar GBNF text, or null
 * @param param   the request field it came from, for error messages
 */
public record OutputFormat(JsonNode schema, String grammar, boolean anyObject, String param) {
}
