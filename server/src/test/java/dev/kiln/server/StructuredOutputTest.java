package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.kiln.server.fake.FakeModels;
import dev.kiln.server.fake.Script;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * response_format, json_schema, grammar and enforced tool calls over HTTP, on a scripted model that never writes
 * JSON by itself (it babbles lower-case letters), so whatever structure comes back is the grammar's doing; replies
 * are checked with an independent JSON Schema validator.
 */
class StructuredOutputTest {

    private static final String PERSON = "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\","
            + " \"maxLength\": 12}, \"age\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 150}, \"tags\":"
            + " {\"type\": \"array\", \"items\": {\"enum\": [\"a\", \"b\"]}, \"maxItems\": 3}}, \"required\": [\"name\","
            + " \"age\"], \"additionalProperties\": false}";
    private static final String WEATHER = "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\","
            + " \"minLength\": 1, \"maxLength\": 20}, \"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]}},"
            + " \"required\": [\"city\", \"unit\"], \"additionalProperties\": false}";

    private Server server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private Http start(Script script, String template) throws Exception {
        server = Server.start(ServerConfig.defaults().withPort(0));
        server.serve(FakeModels.of(script, 2, 1024, 0, template));
        return new Http(server.uri(), null);
    }

    private static void assertValid(String schema, String json) throws Exception {
        JsonSchema s = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(schema);
        JsonNode instance = Http.JSON.readTree(json);
        assertTrue(s.validate(instance).isEmpty(), "not valid under the schema: " + json + " " + s.validate(instance));
    }

    @Test
    void responseFormatJsonSchemaGivesValidJson() throws Exception {
        Http http = start(Script.babble(), "");
        for (int seed = 0; seed < 5; seed++) {
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"who?\"}], \"max_tokens\": 80, \"seed\": "
                    + seed + ", \"temperature\": 1.0, \"response_format\": {\"type\": \"json_schema\", \"json_schema\":"
                    + " {\"name\": \"person\", \"strict\": true, \"schema\": " + PERSON + "}}}";
            Http.Reply r = http.post("/v1/chat/completions", body);
            assertEquals(200, r.status(), r.body());
            assertValid(PERSON, r.json().at("/choices/0/message/content").asText());
        }
    }

    @Test
    void streamedRepliesFollowTheSchemaToo() throws Exception {
        Http http = start(Script.babble(), "");
        String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"who?\"}], \"max_tokens\": 60, \"stream\": true,"
                + " \"json_schema\": " + PERSON + "}";
        Http.Reply r = http.post("/v1/chat/completions", body);
        StringBuilder text = new StringBuilder();
        for (String e : r.events()) {
            if (!e.equals("[DONE]")) {
                text.append(Http.JSON.readTree(e).at("/choices/0/delta/content").asText(""));
            }
        }
        assertValid(PERSON, text.toString());
    }

    @Test
    void jsonObjectAndGbnfOnCompletions() throws Exception {
        Http http = start(Script.babble(), "");
        Http.Reply obj = http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"max_tokens\": 40, \"response_format\": {\"type\": \"json_object\"}}");
        JsonNode parsed = Http.JSON.readTree(obj.json().at("/choices/0/message/content").asText());
        assertTrue(parsed.isObject(), obj.body());
        Http.Reply g = http.post("/v1/completions", "{\"prompt\": \"count:\", \"max_tokens\": 30,"
                + " \"grammar\": \"root ::= [0-9]+ (\\\",\\\" [0-9]+)*\"}");
        assertEquals(200, g.status(), g.body());
        assertTrue(g.json().at("/choices/0/text").asText().matches("[0-9]+(,[0-9]+)*"), g.body());
    }

    @Test
    void badSchemasAndGrammarsAre400sNamingWhere() throws Exception {
        Http http = start(Script.babble(), "");
        Http.Reply bad = http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
                + " \"json_schema\": {\"type\": \"object\", \"properties\": {\"a\": {\"not\": {\"type\": \"string\"}}}}}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("#/properties/a/not"), bad.body());
        Http.Reply gbnf = http.post("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= \\\"a\\\" |\\n  ( \"}");
        assertEquals(400, gbnf.status());
        assertTrue(gbnf.body().contains("line 2"), gbnf.body());
        Http.Reply never = http.post("/v1/completions", "{\"prompt\": \"x\", \"grammar\": \"root ::= \\\"a\\\" root\"}");
        assertEquals(400, never.status());
        assertTrue(never.body().contains("never end"), never.body());
        // still serving
        assertEquals(200, http.post("/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 3}").status());
    }

    @Test
    void toolChoiceRequiredAlwaysGivesValidToolCalls() throws Exception {
        Http http = start(Script.babble(), "{% if tools %}<tool_call>{% endif %}");
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": "
                + WEATHER + "}}, {\"type\": \"function\", \"function\": {\"name\": \"get_time\", \"parameters\": "
                + "{\"type\": \"object\", \"properties\": {\"zone\": {\"type\": \"string\", \"maxLength\": 8}},"
                + " \"required\": [\"zone\"]}}}]";
        List<String> names = new ArrayList<>();
        for (int seed = 0; seed < 6; seed++) {
            String body = "{\"messages\": [{\"role\": \"user\", \"content\": \"weather?\"}], \"max_tokens\": 120,"
                    + " \"temperature\": 1.0, \"seed\": " + seed + ", " + tools + ", \"tool_choice\": \"required\"}";
            JsonNode j = http.post("/v1/chat/completions", body).json();
            assertEquals("tool_calls", j.at("/choices/0/finish_reason").asText(), j.toString());
            for (JsonNode call : j.at("/choices/0/message/tool_calls")) {
                String name = call.at("/function/name").asText();
                names.add(name);
                String args = call.at("/function/arguments").asText();
                if (name.equals("get_weather")) {
                    assertValid(WEATHER, args);
                } else {
                    assertEquals("get_time", name);
                    assertTrue(Http.JSON.readTree(args).at("/zone").isTextual(), args);
                }
            }
        }
        assertFalse(names.isEmpty());
        // a named function: only that one
        JsonNode named = http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"t\"}],"
                + " \"max_tokens\": 80, " + tools + ", \"tool_choice\": {\"type\": \"function\", \"function\":"
                + " {\"name\": \"get_time\"}}}").json();
        assertEquals("get_time", named.at("/choices/0/message/tool_calls/0/function/name").asText(), named.toString());
    }

    @Test
    void autoToolCallsAreCompletedUnderTheGrammar() throws Exception {
        // the model opens a call, then writes arguments of the wrong type: the grammar takes over at <tool_call>
        Http http = start(Script.reply("Let me check. <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": 7"),
                "{% if tools %}<tool_call>{% endif %}");
        String tools = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": "
                + WEATHER + "}}]";
        JsonNode j = http.post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"w\"}],"
                + " \"max_tokens\": 100, " + tools + "}").json();
        assertEquals("tool_calls", j.at("/choices/0/finish_reason").asText(), j.toString());
        assertValid(WEATHER, j.at("/choices/0/message/tool_calls/0/function/arguments").asText());
        assertEquals("Let me check. ", j.at("/choices/0/message/content").asText());
    }
}
