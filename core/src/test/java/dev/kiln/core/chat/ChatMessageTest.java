package dev.kiln.core.chat;

import dev.kiln.core.chat.jinja.TemplateException;
import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenAI-shaped messages into template values; options; error reporting. */
class ChatMessageTest {

    @Test
    void toolCallArgumentsGivenAsAJsonStringAreParsedIntoObjects() {
        List<ChatMessage> msgs = ChatMessage.listFromJson("""
                [{"role": "assistant", "content": null, "tool_calls": [{"id": "abc123XYZ", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Zürich\\", \\"n\\": 2}"}}]}]""");
        ToolCall call = msgs.getFirst().toolCalls().getFirst();
        assertEquals(Map.of("city", "Zürich", "n", 2L), call.arguments());
        assertEquals("{\"city\": \"Zürich\", \"n\": 2}", call.argumentsJson());
        String out = ChatTemplate.of("{{ messages[0].tool_calls[0].function.arguments | tojson }}"
                        + "{{ messages[0].tool_calls[0].function.arguments.city }}")
                .render(msgs, RenderOptions.defaults());
        assertEquals("{\"city\": \"Zürich\", \"n\": 2}Zürich", out);
    }

    @Test
    void argumentsThatAreNotJsonStayText() {
        ToolCall call = ToolCall.ofJsonArguments("id", "f", "not json {");
        assertEquals("not json {", call.arguments());
    }

    @Test
    void onlySetKeysAreDefined() {
        Map<String, Object> user = ChatMessage.user("hi").toTemplateValue();
        assertEquals(List.of("role", "content"), List.copyOf(user.keySet()));
        String t = "{{ 'tool_calls' in messages[0] }} {{ messages[0].reasoning_content is defined }}"
                + " {{ messages[1].tool_call_id }} {{ messages[1].name }}";
        assertEquals("False False c1 f", ChatTemplate.of(t).render(
                List.of(ChatMessage.user("u"), ChatMessage.tool("c1", "f", "r")), RenderOptions.defaults()));
    }

    @Test
    void contentPartsReachTheTemplateAsAList() {
        List<ChatMessage> msgs = ChatMessage.listFromJson(
                "[{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"a\"}, {\"type\": \"image_url\"}]}]");
        assertEquals("a", msgs.getFirst().text());
        String t = "{% for b in messages[0].content %}{{ b.type }};{% endfor %}";
        assertEquals("text;image_url;", ChatTemplate.of(t).render(msgs, RenderOptions.defaults()));
    }

    @Test
    void badMessagesNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ChatMessage.listFromJson("[{\"role\": \"user\", \"content\": 5}]"));
        assertTrue(e.getMessage().contains("messages[0].content"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatMessage.listFromJson("[{\"content\": \"x\"}]"));
        assertTrue(e.getMessage().contains("messages[0].role"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatMessage.listFromJson("{\"role\": 1}"));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ChatMessage.listFromJson("[{"));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void extraVariablesToolsAndTheClockReachTheTemplate() {
        String t = "{{ enable_thinking }} {{ tools | length }} {{ strftime_now('%d %b %Y') }} {{ bos_token }}{{ eos_token }}"
                + "{{ add_generation_prompt }}";
        RenderOptions o = RenderOptions.builder().variable("enable_thinking", false).toolsJson("[{\"a\": 1}, {}]")
                .now(LocalDateTime.of(2026, 1, 15, 12, 0)).bosToken("<s>").eosToken("</s>").addGenerationPrompt(true)
                .build();
        assertEquals("False 2 15 Jan 2026 <s></s>True", ChatTemplate.of(t).render(List.of(), o));
        assertEquals("", ChatTemplate.of("{{ tools }}").render(List.of(), RenderOptions.defaults()));
    }

    @Test
    void templateErrorsAreClear() {
        TemplateException raised = assertThrows(TemplateException.class, () -> ChatTemplate.of(
                "{% if messages | length == 0 %}{{ raise_exception('No messages!') }}{% endif %}")
                .render(List.of(), RenderOptions.defaults()));
        assertEquals("No messages!", raised.getMessage());
        assertTrue(raised.raisedByTemplate());

        TemplateException syntax = assertThrows(TemplateException.class, () -> ChatTemplate.of("a\n{% if x %}b"));
        assertFalse(syntax.raisedByTemplate());
        assertTrue(syntax.getMessage().contains("endif"), syntax.getMessage());

        TemplateException undefined = assertThrows(TemplateException.class,
                () -> ChatTemplate.of("line1\n{{ nothing.here }}").render(List.of(), RenderOptions.defaults()));
        assertEquals("chat template line 2: 'nothing' is undefined", undefined.getMessage());
    }

    @Test
    void unknownFieldsArePassedThrough() {
        List<ChatMessage> msgs = ChatMessage.listFromJson(
                "[{\"role\": \"system\", \"content\": \"S\", \"tools\": \"[t]\", \"thinking\": {\"on\": true}}]");
        assertEquals(Map.of("tools", "[t]", "thinking", Map.of("on", true)), msgs.getFirst().extra());
        String t = "{% if 'tools' in messages[0] and messages[0]['tools'] is not none %}{{ messages[0].tools }}{% endif %}"
                + "{{ messages[0].thinking.on }}";
        assertEquals("[t]True", ChatTemplate.of(t).render(msgs, RenderOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> new ChatMessage("user", "x", null, null, null, null, null,
                Map.of("content", "dup")));
    }
}
