package dev.kiln.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LangChain4j's ResponseFormat as the OpenAI {@code response_format} the server reads. */
class OpenAiBodiesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KilnSampling AS_GIVEN = new KilnSampling(null, null, null, false);
    private static final KilnSampling STRICT = new KilnSampling(null, null, null, true);

    private static final JsonSchema PET = JsonSchema.builder().name("pet").rootElement(JsonObjectSchema.builder()
            .addStringProperty("name")
            .addIntegerProperty("age")
            .addProperty("kind", JsonEnumSchema.builder().enumValues("cat", "dog").build())
            .addProperty("toys", JsonArraySchema.builder().items(new JsonStringSchema()).build())
            .required("name", "kind")
            .build()).build();

    private static JsonNode body(ResponseFormat format, KilnSampling sampling) {
        return OpenAiBodies.chat(ChatRequest.builder().messages(UserMessage.from("Hi")).responseFormat(format).build(),
                sampling);
    }

    @Test
    void textOrNoFormatLeavesTheReplyFree() {
        assertFalse(body(ResponseFormat.TEXT, AS_GIVEN).has("response_format"));
        assertFalse(body(null, AS_GIVEN).has("response_format"));
    }

    @Test
    void jsonWithoutASchemaIsAnyJsonObject() {
        assertEquals("{\"type\":\"json_object\"}", body(ResponseFormat.JSON, AS_GIVEN).get("response_format").toString());
    }

    @Test
    void aSchemaIsSentAsGivenWithObjectsClosed() throws Exception {
        JsonNode rf = body(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(PET).build(), AS_GIVEN)
                .get("response_format");
        assertEquals("json_schema", rf.get("type").asText());
        assertEquals("pet", rf.at("/json_schema/name").asText());
        assertFalse(rf.at("/json_schema/strict").asBoolean());
        assertEquals(JSON.readTree("""
                {"type": "object", "properties": {
                   "name": {"type": "string"}, "age": {"type": "integer"},
                   "kind": {"type": "string", "enum": ["cat", "dog"]},
                   "toys": {"type": "array", "items": {"type": "string"}}},
                 "required": ["name", "kind"], "additionalProperties": false}"""), rf.at("/json_schema/schema"));
    }

    /**
     * Objects that list properties are closed wherever they are (properties, items, anyOf, definitions); a map
     * (no properties), an object explicitly open, and a raw schema are left as they are.
     */
    @Test
    void closingReachesNestedObjectsAndLeavesMapsOpenAndRawAlone() throws Exception {
        JsonObjectSchema node = JsonObjectSchema.builder().addStringProperty("v")
                .addProperty("kids", JsonArraySchema.builder().items(JsonReferenceSchema.builder().reference("node")
                        .build()).build()).build();
        JsonObjectSchema root = JsonObjectSchema.builder()
                .addProperty("tree", JsonReferenceSchema.builder().reference("node").build())
                .addProperty("points", JsonArraySchema.builder().items(JsonObjectSchema.builder()
                        .addNumberProperty("x").build()).build())
                .addProperty("either", JsonAnyOfSchema.builder().anyOf(new JsonNullSchema(), JsonObjectSchema.builder()
                        .addBooleanProperty("b").build()).build())
                .addProperty("labels", JsonObjectSchema.builder().build())
                .addProperty("open", JsonObjectSchema.builder().addStringProperty("s").additionalProperties(true).build())
                .addProperty("raw", JsonRawSchema.from("{\"type\": \"object\", \"properties\": {\"r\": {}}}"))
                .definitions(Map.of("node", node))
                .build();
        JsonNode schema = body(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                .name("r").rootElement(root).build()).build(), AS_GIVEN).at("/response_format/json_schema/schema");
        assertEquals(JSON.readTree("""
                {"type": "object", "properties": {
                   "tree": {"$ref": "#/$defs/node"},
                   "points": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "number"}},
                              "additionalProperties": false}},
                   "either": {"anyOf": [{"type": "null"}, {"type": "object", "properties": {"b": {"type": "boolean"}},
                              "additionalProperties": false}]},
                   "labels": {"type": "object"},
                   "open": {"type": "object", "properties": {"s": {"type": "string"}}, "additionalProperties": true},
                   "raw": {"type": "object", "properties": {"r": {}}}},
                 "additionalProperties": false,
                 "$defs": {"node": {"type": "object", "properties": {"v": {"type": "string"},
                   "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": false}}}"""),
                schema);
    }

    @Test
    void strictRequiresEveryPropertyAndClosesObjects() throws Exception {
        JsonNode rf = body(ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(PET).build(), STRICT)
                .get("response_format");
        assertTrue(rf.at("/json_schema/strict").asBoolean());
        assertEquals(JSON.readTree("""
                {"type": "object", "properties": {
                   "name": {"type": "string"}, "age": {"type": ["integer", "null"]},
                   "kind": {"type": "string", "enum": ["cat", "dog"]},
                   "toys": {"type": ["array", "null"], "items": {"type": "string"}}},
                 "required": ["name", "age", "kind", "toys"], "additionalProperties": false}"""),
                rf.at("/json_schema/schema"));
    }

    @Test
    void aSchemaWithoutARootIsRefusedNamingIt() {
        ResponseFormat empty = ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("nothing").build()).build();
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> body(empty, AS_GIVEN));
        assertTrue(e.getMessage().contains("'nothing'"), e.getMessage());
    }
}
