package dev.kiln.cli;

import dev.kiln.core.Completion;
import dev.kiln.core.Kiln;
import dev.kiln.core.LoadOptions;
import dev.kiln.core.Model;
import dev.kiln.core.Session;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.chat.ThinkTags;
import dev.kiln.core.sampling.SamplingParams;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.GgufWriter;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * {@link Session#chat} and {@code kiln run -cnv --reasoning-budget N}, end to end on a random-weight model that never closes its think block
 * on its own: the synthetic qwen3-small file with a DeepSeek-R1-style template whose prompt ends inside
 * {@code <think>} (so every generated token is thinking).
 */
class ReasoningBudgetTest {

    private static final String TEMPLATE = "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n"
            + "{% endfor %}<|im_start|>assistant\n<think>\n";
    private static final int MAX_TOKENS = 14;

    @TempDir
    static Path dir;
    private static Path thinker;

    @BeforeAll
    static void writeThinker() throws Exception {
        Path source = TestData.require("synthetic/qwen3-small.Q4_K_M.gguf");
        thinker = dir.resolve("thinker.gguf");
        try (GgufFile in = GgufFile.open(source)) {
            Metadata md = Metadata.builder().putAll(in.metadata()).remove("tokenizer.chat_template")
                    .putString("tokenizer.chat_template", TEMPLATE).build();
            GgufWriter out = new GgufWriter(md);
            for (TensorInfo t : in.tensors()) {
                TensorData data = in.data(t);
                out.addTensor(t.name(), t.type(), t.shape(), data.segment());
            }
            out.write(thinker);
        }
    }

    private static Completion chat(Model model, int budget) {
        try (Session s = model.newSession()) {
            return s.chat(List.of(ChatMessage.user("Why is the sky blue?")), SamplingParams.GREEDY, MAX_TOKENS, budget,
                    piece -> { });
        }
    }

    @Test
    void theBudgetClosesTheThinkBlockAfterNTokensAndZeroClosesItInThePrompt() throws Exception {
        try (Model model = Kiln.load(thinker, LoadOptions.defaults().withThreads(1).withContextSize(128))) {
            int[] closing = model.tokenizer().encode(ThinkTags.XML.closing(), false, true);
            Completion unlimited = chat(model, -1);
            assertEquals(MAX_TOKENS, unlimited.tokens().length, "the thinker must not stop on its own");
            assertFalse(unlimited.text().contains("</think>"), unlimited.text());

            for (int budget : new int[] {1, 4}) {
                Completion c = chat(model, budget);
                int[] t = c.tokens();
                // greedy: the first N tokens are the unlimited run's, then the closing tag is inserted
                assertArrayEquals(Arrays.copyOf(unlimited.tokens(), budget), Arrays.copyOf(t, budget), "budget " + budget);
                assertArrayEquals(closing, Arrays.copyOfRange(t, budget, budget + closing.length), "budget " + budget);
                assertEquals(1, c.text().split("</think>", -1).length - 1, c.text());
            }

            // 0: no enable_thinking in this template, so the prompt gets the closing tag and nothing is inserted later
            Completion none = chat(model, 0);
            assertEquals(unlimited.stats().promptTokens() + closing.length, none.stats().promptTokens());
            assertFalse(none.text().contains("</think>"), none.text());
        }
    }

    @Test
    void runConversationInsertsTheClosingTagOnce() {
        java.io.InputStream stdin = System.in;
        try {
            for (String budget : new String[] {"-1", "3"}) {
                System.setIn(new java.io.ByteArrayInputStream("Why?\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                CliRun run = CliRun.of("run", "-m", thinker.toString(), "-cnv", "--reasoning-budget", budget, "-n",
                        String.valueOf(MAX_TOKENS), "--temp", "0", "-t", "1", "-c", "128");
                assertEquals(0, run.status(), run.err());
                int closes = run.out().split("</think>", -1).length - 1;
                assertEquals(budget.equals("-1") ? 0 : 1, closes, "budget " + budget + ": " + run.out());
            }
        } finally {
            System.setIn(stdin);
        }
    }
}
