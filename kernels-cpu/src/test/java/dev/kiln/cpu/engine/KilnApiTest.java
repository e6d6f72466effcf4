package dev.kiln.cpu.engine;

import dev.kiln.core.Completion;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.Session;
import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.generate.StopReason;
import dev.kiln.core.sampling.SamplingParams;
import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The Java API end to end: load, session, generate (streaming), chat with prefix reuse. */
class KilnApiTest {

    /** testdata/real/README.md: llama2.c's asserted 200-token greedy text for stories260K (464 bytes). */
    static final String LLAMA2C = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it, but it was too high.\nLily's mom said, \"Lily, "
            + "let's go to the park.\" Lily was sad and didn't know what to do. She said, \"I want to play with your ball, "
            + "but I can't find it.\"\nLily was sad and didn't know what to do. She said, \"I'm sorry, Lily. I didn't know "
            + "what to do.\"\nLily didn't want to help her mom, so she";

    @Test
    void stories260KFromBosReproducesLlama2cTextByteForByte() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withCacheType(GgmlType.F32).withContextSize(256);
        try (Model model = Kiln.load(TestData.require("real/stories260K.gguf"), options);
             Session session = model.newSession()) {
            StringBuilder streamed = new StringBuilder();
            Completion c = session.generate("", SamplingParams.GREEDY, 200, streamed::append);
            assertEquals(200, c.tokens().length);
            assertEquals(StopReason.MAX_TOKENS, c.stopReason());
            assertEquals(c.text(), streamed.toString());
            // llama2.c drops the leading space of the first piece after BOS
            assertEquals(" " + LLAMA2C, c.text());
            assertEquals(464, LLAMA2C.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            assertTrue(c.stats().generationTokensPerSecond() > 0);
        }
    }

    @Test
    void generationStopsAtTheVocabularysEndOfGenerationToken() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withContextSize(512);
        try (Model model = Kiln.load(TestData.require("real/TinyStories-656K.f16.gguf"), options);
             Session session = model.newSession()) {
            Completion c = session.generate("", SamplingParams.GREEDY, 500, s -> {});
            assertEquals(StopReason.END_OF_GENERATION, c.stopReason());
            assertTrue(c.tokens().length > 59 && c.tokens().length < 500, c.tokens().length + " tokens");
            assertTrue(c.text().startsWith("Once upon a time, there was a little girl named Lily."), c.text());
            // the context holds BOS and every generated token that was fed back
            assertEquals(1 + c.tokens().length, session.position());
        }
    }

    @Test
    void contextFullStopsGeneration() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withContextSize(20);
        try (Model model = Kiln.load(TestData.require("real/stories260K.gguf"), options);
             Session session = model.newSession()) {
            Completion c = session.generate("Once upon a time", SamplingParams.GREEDY, -1, s -> {});
            assertEquals(StopReason.CONTEXT_FULL, c.stopReason());
            assertEquals(20, session.position());
            assertEquals(16, c.tokens().length); // 20 cells: 5 prompt tokens, 15 fed back, the 16th sampled last
        }
    }

    @Test
    void chatReusesTheCachedPrefixAndStopsAtEndOfGeneration() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withContextSize(512);
        try (Model model = Kiln.load(TestData.require("synthetic/qwen3-small.Q4_K_M.gguf"), options);
             Session session = model.newSession()) {
            assertTrue(model.hasChatTemplate());
            List<ChatMessage> messages = new java.util.ArrayList<>(List.of(ChatMessage.system("Be brief."),
                    ChatMessage.user("Hello")));
            Completion first = session.chat(messages, SamplingParams.GREEDY, 8, s -> {});
            int afterFirst = session.position();
            assertTrue(afterFirst > first.stats().promptTokens() - 1);
            messages.add(ChatMessage.assistant(first.text()));
            messages.add(ChatMessage.user("More"));
            Completion second = session.chat(messages, SamplingParams.GREEDY, 4, s -> {});
            // only the new turn is computed, not the whole conversation again
            assertTrue(second.stats().promptTokens() < afterFirst, second.stats() + " vs " + afterFirst);
        }
    }

    @Test
    void aModelWithoutATemplateChatsThroughTheBuiltInFormat() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withContextSize(256);
        try (Model model = Kiln.load(TestData.require("real/stories260K.gguf"), options);
             Session session = model.newSession()) {
            assertFalse(model.hasChatTemplate());
            String rendered = model.chatTemplate().render(List.of(ChatMessage.user("Hello")),
                    dev.kiln.core.chat.RenderOptions.builder().addGenerationPrompt(true).build());
            assertTrue(rendered.contains("Hello"), rendered);
            Completion reply = session.chat(List.of(ChatMessage.user("Hello")), SamplingParams.GREEDY, 4, s -> {});
            assertTrue(session.position() > reply.tokens().length, "the rendered prompt was evaluated");
        }
    }

    @Test
    void generatingInTwoCallsContinuesExactlyWhereTheFirstStopped() throws IOException {
        LoadOptions options = LoadOptions.defaults().withThreads(1).withContextSize(256);
        try (Model model = Kiln.load(TestData.require("real/stories260K.gguf"), options);
             Session once = model.newSession(); Session twice = model.newSession()) {
            int[] whole = once.generate("Once upon a time", SamplingParams.GREEDY, 12, s -> {}).tokens();
            int[] first = twice.generate("Once upon a time", SamplingParams.GREEDY, 5, s -> {}).tokens();
            // the last sampled token is not in the cache yet; the next call must evaluate it before going on
            int[] rest = twice.generate("", SamplingParams.GREEDY, 7, s -> {}).tokens();
            int[] joined = java.util.stream.IntStream.concat(java.util.Arrays.stream(first), java.util.Arrays.stream(rest))
                    .toArray();
            assertArrayEquals(whole, joined);
            assertEquals(once.position(), twice.position());
        }
    }
}
