package dev.kiln.server.slot;

import dev.kiln.server.tools.ToolCall;

import java.util.ArrayList;
import java.util.List;

/** Test helper: drains a job's events into one reply (content, reasoning, finish reason, counts). */
record Replies(String content, String reasoning, List<String> contentDeltas, GenerationEvent.Finished finished,
               List<TokenLogprob> logprobs) {

    static Replies drain(GenerationJob job) throws InterruptedException {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<String> deltas = new ArrayList<>();
        List<TokenLogprob> logprobs = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            GenerationEvent e = job.next(100);
            switch (e) {
                case null -> { }
                case GenerationEvent.Delta d -> {
                    content.append(d.content());
                    reasoning.append(d.reasoning());
                    if (!d.content().isEmpty()) {
                        deltas.add(d.content());
                    }
                    logprobs.addAll(d.logprobs());
                }
                case GenerationEvent.Finished f -> {
                    return new Replies(content.toString(), reasoning.toString(), deltas, f, logprobs);
                }
                case GenerationEvent.Failed f -> throw new AssertionError("failed: " + f.message());
            }
        }
        throw new AssertionError("no reply within 20 s");
    }

    List<ToolCall> calls() {
        return finished.toolCalls();
    }
}
