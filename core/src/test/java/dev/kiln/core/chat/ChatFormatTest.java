package dev.kiln.core.chat;

import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The built-in formats for files without a chat template: detection and what they render. */
class ChatFormatTest {

    private static Metadata vocab(String arch, String model, String... tokens) {
        return Metadata.builder().putString("general.architecture", arch).putString("tokenizer.ggml.model", model)
                .putStrings("tokenizer.ggml.tokens", List.of(tokens)).build();
    }

    @Test
    void detectsFromVocabularyAndArchitecture() {
        assertSame(ChatFormat.CHATML, ChatFormat.detect(vocab("llama", "gpt2", "a", "<|im_start|>", "<|im_end|>")));
        assertSame(ChatFormat.CHATML, ChatFormat.detect(vocab("qwen2", "gpt2", "a", "b")));
        assertSame(ChatFormat.LLAMA3, ChatFormat.detect(vocab("llama", "gpt2", "<|start_header_id|>", "<|eot_id|>")));
        assertSame(ChatFormat.GEMMA, ChatFormat.detect(vocab("gemma2", "llama", "<start_of_turn>")));
        assertSame(ChatFormat.LLAMA2, ChatFormat.detect(vocab("llama", "llama", "<s>", "</s>", "<unk>")));
        assertSame(ChatFormat.PLAIN, ChatFormat.detect(vocab("gpt2", "gpt2", "a", "b")));
        assertSame(ChatFormat.PLAIN, ChatFormat.detect(Metadata.builder().build()));
    }

    @Test
    void chatmlMatchesQwenTemplateWhenASystemMessageIsGiven() throws IOException {
        // Qwen2.5's real template with a system message is pure ChatML: the built-in must agree byte for byte.
        String qwen = Files.readString(TestData.require("chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        List<ChatMessage> conversation = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Hi"),
                ChatMessage.assistant("Hello!"), ChatMessage.user("2+2? ünïcode"));
        for (boolean gen : new boolean[] {true, false}) {
            RenderOptions o = RenderOptions.builder().addGenerationPrompt(gen).build();
            assertEquals(ChatTemplate.of(qwen).render(conversation, o), ChatFormat.CHATML.template().render(conversation, o));
        }
    }

    @Test
    void llama2FollowsLlamaCppLayout() {
        // llama.cpp llama-chat.cpp, llama2-sys: "[INST] <<SYS>>\n{sys}\n<</SYS>>\n\n{user} [/INST]{assistant}</s>[INST] ..."
        String system = "Be brief.";
        String u1 = "Hi";
        String a1 = "Hello!";
        String u2 = "Bye";
        String expected = "[INST] " + "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + u1 + " [/INST]" + a1 + "</s>"
                + "[INST] " + u2 + " [/INST]";
        String got = ChatFormat.LLAMA2.template().render(
                List.of(ChatMessage.system(system), ChatMessage.user(u1), ChatMessage.assistant(a1), ChatMessage.user(u2)),
                RenderOptions.builder().eosToken("</s>").addGenerationPrompt(true).build());
        assertEquals(expected, got);
    }

    @Test
    void plainIsATranscriptEndingWithTheAssistantCue() {
        String got = ChatFormat.PLAIN.template().render(List.of(ChatMessage.system("S"), ChatMessage.user(" U "),
                ChatMessage.assistant("A")), RenderOptions.builder().addGenerationPrompt(true).build());
        assertEquals("System: S\nUser: U\nAssistant: A\nAssistant:", got);
    }

    @Test
    void stories260KHasNoTemplateAndGetsLlama2WithItsSpecialTokens() throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.require("real/stories260K.gguf"))) {
            Metadata md = gguf.metadata();
            assertEquals(false, md.contains(ChatTemplate.METADATA_KEY));
            assertSame(ChatFormat.LLAMA2, ChatFormat.detect(md));
            assertSame(ChatFormat.LLAMA2.template(), ChatTemplate.forModel(md));
            RenderOptions o = ChatTemplate.optionsForModel(md).build();
            assertEquals("<s>", o.bosToken());
            assertEquals("</s>", o.eosToken());
        }
    }

    @Test
    void fileTemplateWinsOverTheFallback() {
        Metadata md = Metadata.builder().putString("general.architecture", "llama")
                .putString(ChatTemplate.METADATA_KEY, "{{ messages[0].content }}!").build();
        assertEquals("x!", ChatTemplate.forModel(md).render(List.of(ChatMessage.user("x")), RenderOptions.defaults()));
    }

    @Test
    void toolUseTemplateIsChosenOnlyWithTools() {
        Metadata md = Metadata.builder().putString(ChatTemplate.METADATA_KEY, "default")
                .putString(ChatTemplate.METADATA_KEY + ".tool_use", "tools").build();
        assertEquals("default", ChatTemplate.forModel(md).render(List.of(), RenderOptions.defaults()));
        assertEquals("default", ChatTemplate.forModel(md, false).render(List.of(), RenderOptions.defaults()));
        assertEquals("tools", ChatTemplate.forModel(md, true).render(List.of(), RenderOptions.defaults()));
    }

    @Test
    void knowsWhichTemplatesReadEnableThinking() throws IOException {
        String qwen3 = Files.readString(TestData.require("chat-templates/Qwen-Qwen3-0.6B.jinja"));
        String qwen25 = Files.readString(TestData.require("chat-templates/Qwen-Qwen2.5-7B-Instruct.jinja"));
        assertEquals(true, ChatTemplate.of(qwen3).usesVariable("enable_thinking"));
        assertEquals(false, ChatTemplate.of(qwen25).usesVariable("enable_thinking"));
        assertEquals(false, ChatTemplate.of("{{ ns.enable_thinking }}{{ enable_thinking_x }}").usesVariable("enable_thinking"));
    }
}
