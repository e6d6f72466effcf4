package dev.kiln.langchain4j;

import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.server.engine.TemplateChat;
import dev.kiln.server.fake.ByteCodec;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import dev.kiln.server.model.ServedModel;
import dev.kiln.testdata.TestData;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * A scripted model behind the real Qwen2.5 chat template (testdata/chat-templates), as the server tests use one:
 * after the assistant header it calls {@code weather} for Zürich in Qwen's {@code <tool_call>} format; once a
 * {@code <tool_response>} is in the prompt it answers {@code "Result: "} followed by that response's text. Everything
 * but the forward pass is real: template, tokenization of the rendered prompt, tool-call parser, scheduler.
 */
final class WeatherModel {

    static final String CALL = "<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>";
    static final String ANSWER_PREFIX = "Result: ";

    private WeatherModel() {
    }

    static ServedModel served() {
        String qwen;
        try {
            qwen = Files.readString(TestData.require("chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ServedModel("qwen-shaped", new ScriptedModel(script(), 2, 4096, 0), new ByteCodec(),
                new TemplateChat(ChatTemplate.of(qwen), "", "<|im_end|>"), null);
    }

    private static Script script() {
        byte[] header = bytes("<|im_start|>assistant\n");
        byte[] open = bytes("<tool_response>\n");
        byte[] close = bytes("\n</tool_response>");
        byte[] call = bytes(CALL);
        return (h, n) -> {
            int start = lastIndexOf(h, n, header);
            int response = lastIndexOf(h, start, open);
            byte[] reply = call;
            if (response >= 0) {
                int from = response + open.length;
                int to = lastIndexOf(h, start, close);
                StringBuilder text = new StringBuilder(ANSWER_PREFIX);
                byte[] result = new byte[to - from];
                for (int i = from; i < to; i++) {
                    result[i - from] = (byte) h[i];
                }
                reply = bytes(text.append(new String(result, StandardCharsets.UTF_8)).toString());
            }
            int k = n - (start + header.length);
            return k < reply.length ? reply[k] & 0xff : ByteCodec.EOS;
        };
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int lastIndexOf(int[] h, int n, byte[] text) {
        for (int i = n - text.length; i >= 0; i--) {
            int j = 0;
            while (j < text.length && h[i + j] == (text[j] & 0xff)) {
                j++;
            }
            if (j == text.length) {
                return i;
            }
        }
        return -1;
    }
}
