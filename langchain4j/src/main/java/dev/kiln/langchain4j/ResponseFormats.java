package dev.kiln.langchain4j;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.internal.JsonSchemaElementJsonUtils;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * LangChain4j's {@link ResponseFormat} as OpenAI's {@code response_format}, which the server enforces with its grammar
 * engine: {@code JSON} without a schema is {@code {"type": "json_object"}} (any JSON object); with one it is
 * {@code {"type": "json_schema", "json_schema": {"name", "schema", "strict"}}}. {@code TEXT} leaves the reply free.
 *
 * <p>The schema is converted with LangChain4j's own helpers. Unlike a hosted OpenAI model, a local model never sees
 * the schema, only the grammar, so an object open to any other member lets it write members it cannot know of, and
 * LangChain4j's JSON parser refuses a POJO's unknown fields. So an object with {@code properties} and no
 * {@code additionalProperties} is sent closed ({@code false}); every reply that fits the closed schema fits the one
 * given. A {@code JsonRawSchema} is sent as written, and {@code additionalProperties(true)} keeps an object open.
 * {@code strict} is OpenAI's strict form, as LangChain4j's OpenAI client sends it: every property required (the
 * optional ones nullable) and every object closed.
 */
final class ResponseFormats {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResponseFormats() {
    }

    /** The {@code response_format} member of a request body, or null for none. */
    static ObjectNode toOpenAi(ResponseFormat format, boolean strict) {
        if (format == null || format.type() != ResponseFormatType.JSON) {
            return null;
        }
        ObjectNode rf = JSON.createObjectNode();
        JsonSchema schema = format.jsonSchema();
        if (schema == null) {
            return rf.put("type", "json_object");
        }
        if (schema.rootElement() == null) {
            throw new InvalidRequestException("ResponseFormat JSON: the JsonSchema"
                    + (schema.name() == null ? "" : " '" + schema.name() + "'") + " has no root element");
        }
        ObjectNode js = rf.put("type", "json_schema").putObject("json_schema");
        if (schema.name() != null) {
            js.put("name", schema.name());
        }
        Map<String, Object> converted = strict
                ? JsonSchemaElementUtils.toMap(schema.rootElement(), true)
                : JsonSchemaElementJsonUtils.toMap(closed(schema.rootElement()));
        js.set("schema", JSON.valueToTree(converted));
        js.put("strict", strict);
        return rf;
    }

    /** The element with each object that lists properties and says nothing of others closed to others. */
    static JsonSchemaElement closed(JsonSchemaElement element) {
        return switch (element) {
            case JsonObjectSchema o -> {
                Map<String, JsonSchemaElement> properties = o.properties() == null ? Map.of() : closed(o.properties());
                Boolean additional = o.additionalProperties() == null && !properties.isEmpty()
                        ? Boolean.FALSE : o.additionalProperties();
                yield JsonObjectSchema.builder().description(o.description()).addProperties(properties)
                        .required(o.required()).additionalProperties(additional)
                        .definitions(closed(o.definitions())).build();
            }
            case JsonArraySchema a -> JsonArraySchema.builder().description(a.description())
                    .items(a.items() == null ? null : closed(a.items())).build();
            case JsonAnyOfSchema u -> JsonAnyOfSchema.builder().description(u.description())
                    .anyOf(u.anyOf().stream().map(ResponseFormats::closed).toList()).build();
            default -> element;   // scalars, enums, references (their definitions are closed where they are), raw
        };
    }

    private static Map<String, JsonSchemaElement> closed(Map<String, JsonSchemaElement> elements) {
        if (elements == null) {
            return null;
        }
        Map<String, JsonSchemaElement> out = new LinkedHashMap<>();
        elements.forEach((name, e) -> out.put(name, closed(e)));
        return out;
    }
}
