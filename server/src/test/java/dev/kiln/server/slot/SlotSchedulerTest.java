package dev.kiln.server.slot;

import dev.kiln.core.chat.ThinkTags;
import dev.kiln.server.fake.ByteCodec;
import dev.kiln.server.fake.Script;
import dev.kiln.server.fake.ScriptedModel;
import dev.kiln.server.model.BatchRow;
import dev.kiln.server.model.StepModel;
import dev.kiln.server.tools.HermesToolCalls;
import dev.kiln.server.tools.ToolCallParser;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlotSchedulerTest {

    private final ByteCodec codec = new ByteCodec();

    private GenerationJob job(String prompt, GenerationParams params) {
        return new GenerationJob(codec.encode(prompt, true), params, null, false, null);
    }

    private static GenerationParams withStop(int maxTokens, List<String> stop) {
        return new GenerationParams(maxTokens, 0, 0, 1, 0, -1, 0, 0, stop, false, 0, -1);
    }

    @Test
    void greedyReplyIsTheSameAloneAndBesideSevenOthersAndRunsInOneBatch() throws Exception {
        String alone;
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.babble(), 8, 256, 0), codec, 64, 8)) {
            GenerationJob j = job("Once upon a time", GenerationParams.greedy(40));
            s.submit(j);
            alone = Replies.drain(j).content();
        }
        ScriptedModel model = new ScriptedModel(Script.babble(), 8, 256, 2);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 8)) {
            List<GenerationJob> jobs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                GenerationJob j = job(i == 3 ? "Once upon a time" : "Prompt number " + i, GenerationParams.greedy(40));
                jobs.add(j);
                s.submit(j);
            }
            List<String> replies = new ArrayList<>();
            for (GenerationJob j : jobs) {
                Replies r = Replies.drain(j);
                replies.add(r.content());
                assertEquals("length", r.finished().finishReason());
                assertEquals(40, r.finished().completionTokens());
            }
            assertEquals(alone, replies.get(3));
            assertEquals(40, alone.length());
            assertEquals(8, model.maxSequencesInOneCall.get(), "all eight slots decode in one forward pass");
            assertTrue(model.calls.get() < 8 * 40, "batched: " + model.calls.get() + " calls for 320 tokens");
        }
    }

    @Test
    void aPromptSharingAPrefixReusesTheSlotCacheAndOnlyEvaluatesTheSuffix() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 2, 512, 0);
        try (SlotScheduler s = new SlotScheduler(model, codec, 512, 4)) {
            String shared = "A long shared system prompt that both requests start with. ".repeat(3);
            GenerationJob first = job(shared + "First question?", GenerationParams.greedy(5));
            s.submit(first);
            Replies a = Replies.drain(first);
            assertEquals(0, a.finished().cachedTokens());
            GenerationJob other = job("Something else entirely", GenerationParams.greedy(5));
            s.submit(other);
            Replies.drain(other);

            long before = model.rows.get();
            GenerationJob second = job(shared + "Second question?", GenerationParams.greedy(5));
            s.submit(second);
            Replies b = Replies.drain(second);
            int sharedTokens = codec.encode(shared, true).length;
            assertTrue(b.finished().cachedTokens() >= sharedTokens, "reused " + b.finished().cachedTokens());
            int suffix = second.promptTokens() - b.finished().cachedTokens();
            // the suffix plus the 4 generated tokens that were evaluated (the 5th is never evaluated)
            assertEquals(suffix + 4, model.rows.get() - before);

            // and the reply equals what a fresh model says to the same prompt
            try (SlotScheduler fresh = new SlotScheduler(new ScriptedModel(Script.babble(), 1, 512, 0), codec, 512, 4)) {
                GenerationJob j = job(shared + "Second question?", GenerationParams.greedy(5));
                fresh.submit(j);
                assertEquals(Replies.drain(j).content(), b.content());
            }
        }
    }

    /** A model whose every forward pass takes exactly {@code STEP_NANOS} on {@link #now}, the scheduler's clock. */
    private static final class TimedModel implements StepModel {
        static final long STEP_NANOS = 7_000_000;
        final AtomicLong now = new AtomicLong(1_000_000_000);
        final StepModel inner;

        TimedModel(StepModel inner) {
            this.inner = inner;
        }

        @Override
        public int vocabularySize() {
            return inner.vocabularySize();
        }

        @Override
        public int sequences() {
            return inner.sequences();
        }

        @Override
        public int sequenceLength() {
            return inner.sequenceLength();
        }

        @Override
        public float[][] evaluate(List<BatchRow> rows) {
            now.addAndGet(STEP_NANOS);
            return inner.evaluate(rows);
        }

        @Override
        public void truncate(int sequence, int position) {
            inner.truncate(sequence, position);
        }
    }

    @Test
    void timingsSplitThePromptStepsFromTheDecodeSteps() throws Exception {
        TimedModel model = new TimedModel(new ScriptedModel(Script.babble(), 1, 512, 0));
        try (SlotScheduler s = new SlotScheduler(model, codec, 4, 4, model.now::get)) {
            GenerationJob a = job("A prompt of some thirty bytes.", GenerationParams.greedy(6));
            s.submit(a);
            GenerationEvent.Finished f = Replies.drain(a).finished();
            int promptSteps = (a.promptTokens() + 3) / 4;   // -b 4: the prompt goes in chunks of four rows
            assertEquals(0, f.cachedTokens());
            assertEquals(6, f.completionTokens());
            assertEquals(promptSteps * TimedModel.STEP_NANOS, f.promptNanos(), "prompt: up to the first token");
            assertEquals(5 * TimedModel.STEP_NANOS, f.predictedNanos(), "tokens 2 to 6: one decode step each");

            // the same prompt again: all but its last token come from the cache, one prompt step
            GenerationJob b = job("A prompt of some thirty bytes.", GenerationParams.greedy(3));
            s.submit(b);
            GenerationEvent.Finished g = Replies.drain(b).finished();
            assertEquals(b.promptTokens() - 1, g.cachedTokens());
            assertEquals(TimedModel.STEP_NANOS, g.promptNanos());
            assertEquals(2 * TimedModel.STEP_NANOS, g.predictedNanos());
        }
        // a reply that ends by sampling its end-of-generation token: neither that token nor its step counts
        TimedModel ends = new TimedModel(new ScriptedModel(Script.reply("abc"), 1, 512, 0));
        try (SlotScheduler s = new SlotScheduler(ends, codec, 64, 4, ends.now::get)) {
            GenerationJob j = job("<|assistant|>", GenerationParams.greedy(50));
            s.submit(j);
            GenerationEvent.Finished f = Replies.drain(j).finished();
            assertEquals("stop", f.finishReason());
            assertEquals(3, f.completionTokens());
            assertEquals(TimedModel.STEP_NANOS, f.promptNanos());
            assertEquals(2 * TimedModel.STEP_NANOS, f.predictedNanos(), "b and c: the step that sampled EOS is left out");
        }
    }

    @Test
    void ignoreEosRunsAReplyToItsMaxTokensWhatEverTheModelPrefers() throws Exception {
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.reply("abc"), 1, 256, 0), codec, 64, 1)) {
            GenerationJob stops = job("<|assistant|>", GenerationParams.greedy(12));
            s.submit(stops);
            Replies r = Replies.drain(stops);
            assertEquals("abc", r.content());
            assertEquals("stop", r.finished().finishReason());

            GenerationJob runs = job("<|assistant|>", GenerationParams.greedy(12).withIgnoreEos(true));
            s.submit(runs);
            Replies q = Replies.drain(runs);
            assertEquals("length", q.finished().finishReason());
            assertEquals(12, q.finished().completionTokens());
            assertTrue(q.content().startsWith("abc"), q.content());
        }
    }

    @Test
    void identicalPromptReevaluatesOnlyTheLastToken() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 256, 0);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 4)) {
            GenerationJob a = job("Same prompt twice", GenerationParams.greedy(3));
            s.submit(a);
            String first = Replies.drain(a).content();
            GenerationJob b = job("Same prompt twice", GenerationParams.greedy(3));
            s.submit(b);
            Replies r = Replies.drain(b);
            assertEquals(first, r.content());
            assertEquals(b.promptTokens() - 1, r.finished().cachedTokens());
        }
    }

    @Test
    void aCancelledRequestFreesItsSlotWithinOneStep() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 4096, 5);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 4)) {
            GenerationJob endless = job("go on forever", GenerationParams.greedy(-1));
            s.submit(endless);
            while (endless.next(1000) == null) {
                Thread.onSpinWait();
            }
            endless.cancel();
            GenerationJob next = job("next one", GenerationParams.greedy(3));
            s.submit(next);
            long t0 = System.nanoTime();
            Replies r = Replies.drain(next);
            assertEquals(3, r.finished().completionTokens());
            assertTrue((System.nanoTime() - t0) / 1e6 < 2000);
            assertEquals(0, s.stats().slotsBusy());
        }
    }

    @Test
    void aFullQueueRefusesWithAClearMessage() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 1, 4096, 20);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 1)) {
            List<GenerationJob> accepted = new ArrayList<>();
            QueueFullException refused = null;
            for (int i = 0; i < 5 && refused == null; i++) {
                GenerationJob j = job("request " + i, GenerationParams.greedy(-1));
                try {
                    s.submit(j);
                    accepted.add(j);
                } catch (QueueFullException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null && refused.getMessage().contains("busy"), String.valueOf(refused));
            accepted.forEach(GenerationJob::cancel);
        }
    }

    @Test
    void aPromptLongerThanTheSlotIsRefused() {
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.babble(), 2, 32, 0), codec, 64, 1)) {
            assertThrows(IllegalArgumentException.class, () -> s.submit(job("x".repeat(40), GenerationParams.greedy(1))));
        }
    }

    @Test
    void theContextEndFinishesWithLength() throws Exception {
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.babble(), 1, 32, 0), codec, 8, 1)) {
            GenerationJob j = job("0123456789", GenerationParams.greedy(-1));
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals("length", r.finished().finishReason());
            assertTrue(r.finished().completionTokens() + j.promptTokens() <= 32);
        }
    }

    @Test
    void stopStringsSplitAcrossTokensAndCharactersAreCutAndNotReturned() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.reply("Grüße aus Zürich. END of it"), 1, 256, 0);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 1)) {
            GenerationJob j = job("hi<|assistant|>", withStop(100, List.of("Zü", "never")));
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals("Grüße aus ", r.content());
            assertEquals("stop", r.finished().finishReason());
            for (String delta : r.contentDeltas()) {
                assertTrue(!delta.contains("Z"), "a partial stop string was streamed: " + r.contentDeltas());
            }
            GenerationJob k = job("hi<|assistant|>", withStop(100, List.of(". E")));
            s.submit(k);
            assertEquals("Grüße aus Zürich", Replies.drain(k).content());
            GenerationJob all = job("hi<|assistant|>", withStop(100, List.of()));
            s.submit(all);
            Replies whole = Replies.drain(all);
            assertEquals("Grüße aus Zürich. END of it", whole.content());
            assertEquals("stop", whole.finished().finishReason());
            assertEquals("Grüße aus Zürich. END of it".getBytes(java.nio.charset.StandardCharsets.UTF_8).length,
                    whole.finished().completionTokens());
        }
    }

    @Test
    void maxTokensFinishesWithLength() throws Exception {
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.reply("abcdefgh"), 1, 256, 0), codec, 64, 1)) {
            GenerationJob j = job("<|assistant|>", GenerationParams.greedy(3));
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals("abc", r.content());
            assertEquals("length", r.finished().finishReason());
        }
    }

    @Test
    void reasoningBudgetClosesTheThinkBlockOfAModelThatNeverStopsThinking() throws Exception {
        for (int budget : new int[] {0, 1, 7, 25}) {
            ScriptedModel model = new ScriptedModel(Script.endlessThinker("The answer is 42."), 1, 512, 0);
            try (SlotScheduler s = new SlotScheduler(model, codec, 64, 1)) {
                GenerationParams p = new GenerationParams(300, 0, 0, 1, 0, -1, 0, 0, List.of(), false, 0, budget);
                GenerationJob j = new GenerationJob(codec.encode("q<|assistant|>", true), p, ThinkTags.XML, false, null);
                s.submit(j);
                Replies r = Replies.drain(j);
                assertEquals("The answer is 42.", r.content(), "budget " + budget);
                assertEquals("stop", r.finished().finishReason());
                // the think tag itself is one token; each thinking token after it is one byte of "hmm hmm ..."
                String expected = "hmm ".repeat(budget).substring(0, Math.max(0, budget - 1)).strip();
                assertEquals(expected, r.reasoning(), "budget " + budget);
            }
        }
        ScriptedModel model = new ScriptedModel(Script.endlessThinker("never"), 1, 512, 0);
        try (SlotScheduler s = new SlotScheduler(model, codec, 64, 1)) {
            GenerationParams p = new GenerationParams(60, 0, 0, 1, 0, -1, 0, 0, List.of(), false, 0, -1);
            GenerationJob j = new GenerationJob(codec.encode("q<|assistant|>", true), p, ThinkTags.XML, false, null);
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals("length", r.finished().finishReason(), "unlimited budget thinks until max_tokens");
            assertEquals("", r.content());
            assertTrue(r.reasoning().startsWith("hmm hmm"), r.reasoning());
        }
    }

    @Test
    void toolCallsAreParsedFromTheReplyAndFinishWithToolCalls() throws Exception {
        String reply = "Let me look.<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a.txt\"}}\n</tool_call>";
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.reply(reply), 1, 512, 0), codec, 64, 1)) {
            ToolCallParser parser = ToolCallParser.forTemplate("<tool_call>").orElseThrow();
            assertTrue(parser instanceof HermesToolCalls);
            GenerationJob j = new GenerationJob(codec.encode("<|assistant|>", true), GenerationParams.greedy(500), null,
                    false, parser);
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals("tool_calls", r.finished().finishReason());
            assertEquals("Let me look.", r.content());
            assertEquals(1, r.calls().size());
            assertEquals("read_file", r.calls().getFirst().name());
            assertEquals("{\"path\":\"a.txt\"}", r.calls().getFirst().arguments());
        }
    }

    @Test
    void logprobsReportTheChosenTokenAndAlternatives() throws Exception {
        try (SlotScheduler s = new SlotScheduler(new ScriptedModel(Script.reply("ab"), 1, 64, 0), codec, 64, 1)) {
            GenerationParams p = new GenerationParams(10, 0, 0, 1, 0, -1, 0, 0, List.of(), true, 3, -1);
            GenerationJob j = job("<|assistant|>", p);
            s.submit(j);
            Replies r = Replies.drain(j);
            assertEquals(2, r.logprobs().size());
            TokenLogprob first = r.logprobs().getFirst();
            assertEquals('a', first.token());
            assertEquals(3, first.top().size());
            assertEquals('a', first.top().getFirst().token());
            assertTrue(first.logprob() < 0 && first.logprob() > -0.1, "logprob " + first.logprob());
            assertTrue(first.top().get(1).logprob() < first.logprob());
        }
        Optional<ToolCallParser> none = ToolCallParser.forTemplate("plain");
        assertTrue(none.isEmpty());
    }

    @Test
    void aNewPromptIsChunkedByTheBatchSizeAndInterleavedWithDecoding() throws Exception {
        ScriptedModel model = new ScriptedModel(Script.babble(), 2, 1024, 1);
        try (SlotScheduler s = new SlotScheduler(model, codec, 16, 2)) {
            GenerationJob decoding = job("first", GenerationParams.greedy(200));
            s.submit(decoding);
            while (decoding.next(1000) == null) {
                Thread.onSpinWait();
            }
            // count recorded calls, not started ones: the scheduler keeps stepping while we read, and a call in
            // progress has counted itself before recording its rows
            int before = model.rowsPerCall.size();
            GenerationJob longPrompt = job("p".repeat(100), GenerationParams.greedy(2));
            s.submit(longPrompt);
            Replies.drain(longPrompt);
            int after = model.rowsPerCall.size();
            List<Integer> rows;
            List<java.util.Set<Integer>> sequences;
            synchronized (model.rowsPerCall) {
                rows = List.copyOf(model.rowsPerCall.subList(before, after));
            }
            synchronized (model.decodeSets) {
                sequences = List.copyOf(model.decodeSets.subList(before, after));
            }
            assertTrue(rows.stream().allMatch(n -> n <= 16), "a step exceeded -b 16: " + rows);
            long mixed = sequences.stream().filter(set -> set.size() == 2).count();
            assertTrue(mixed >= 101 / 15, "the 101-token prompt went in chunks beside decoding: " + rows);
            decoding.cancel();
        }
    }
}
