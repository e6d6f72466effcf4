package dev.kiln.server.tools;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;

/**
 * Turns the text a model produced for a tool-calling turn into calls. Each family writes calls in its own format,
 * introduced by a marker ({@link #marker()}); the server streams content until the marker appears and hands
 * everything from the marker on to {@link #parse}.
 */
public sealed interface ToolCallParser permits MistralToolCalls, HermesToolCalls, Llama3ToolCalls, DeepSeekToolCalls {

    /** The text that starts a tool-call section. */
    String marker();

    /** True when the marker only counts at the start of the reply (Llama 3.x JSON calls). */
    default boolean markerAtStartOnly() {
        return false;
    }

    /**
     * Parses a tool-call section (starting with the marker).
     *
     * @return the calls, or empty when the text is not a well-formed call (the server then returns it as content)
     */
    Optional<List<ToolCall>> parse(String section);

    /**
     * A call as far as a partial section shows it: the name is known, {@code arguments} is the raw argument text
     * written so far; {@code complete} once a later call has started.
     */
    record PartialCall(String id, String name, String arguments, boolean complete) {
    }

    /**
     * The calls readable from a section that is still being generated, for streaming argument deltas. Families
     * whose arguments sit inside a larger JSON object return none, and their calls are sent whole at the end.
     */
    default List<PartialCall> partial(String section) {
        return List.of();
    }

    /** The parser for the tool-call format the template writes, if it has one. */
    static Optional<ToolCallParser> forTemplate(String templateSource) {
        if (templateSource.contains("[TOOL_CALLS]")) {
            return Optional.of(new MistralToolCalls());
        }
        if (templateSource.contains("<tool_call>")) {
            return Optional.of(new HermesToolCalls());
        }
        if (templateSource.contains("tool\u2581call\u2581begin")) {
            return Optional.of(new DeepSeekToolCalls());
        }
        if (templateSource.contains("<|start_header_id|>") && templateSource.contains("tool_calls")) {
            return Optional.of(new Llama3ToolCalls());
        }
        return Optional.empty();
    }

    ObjectMapper JSON = new ObjectMapper().configure(JsonParser.Feature.AUTO_CLOSE_SOURCE, true);

    /** Reads the first JSON value of {@code text}, ignoring what follows it; null if there is none. */
    static JsonNode firstJsonValue(String text) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() == null) {
                return null;
            }
            return JSON.readTree(parser);
        } catch (IOException e) {
            return null;
        }
    }

    /** A fresh call id: 9 alphanumeric characters (the Mistral templates require that shape). */
    static String newCallId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = Holder.RANDOM;
        StringBuilder id = new StringBuilder(9);
        for (int i = 0; i < 9; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** Compact JSON text of an arguments node (a string node holding JSON is read first). */
    static String argumentsText(JsonNode arguments) {
        if (arguments == null || arguments.isNull()) {
            return "{}";
        }
        if (arguments.isTextual()) {
            JsonNode parsed = firstJsonValue(arguments.asText());
            return parsed != null && parsed.isObject() ? parsed.toString() : arguments.asText();
        }
        return arguments.toString();
    }

    /** Holder of the id generator (interfaces cannot have private static fields). */
    final class Holder {
        static final SecureRandom RANDOM = new SecureRandom();

        private Holder() {
        }
    }
}
