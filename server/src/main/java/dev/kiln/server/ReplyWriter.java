package dev.kiln.server;

import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.ChatChunk;
import dev.kiln.server.api.ChatCompletion;
import dev.kiln.server.api.Json;
import dev.kiln.server.api.Logprobs;
import dev.kiln.server.api.TextCompletion;
import dev.kiln.server.api.Timings;
import dev.kiln.server.api.ToolCallJson;
import dev.kiln.server.api.Usage;
import dev.kiln.server.model.TokenCodec;
import dev.kiln.server.slot.GenerationEvent;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.TokenLogprob;
import dev.kiln.server.tools.ToolCallDelta;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers one generation request from its job's events: a whole {@code chat.completion} / {@code text_completion},
 * or server-sent chunks ending with {@code data: [DONE]} (a usage chunk first with
 * {@code stream_options.include_usage}). When a write fails the client is gone: the job is cancelled, which frees
 * its slot at the scheduler's next step. A non-streamed reply writes nothing until the end, so while it waits it
 * probes the connection every {@value #CLOSE_CHECK_MILLIS} ms ({@link Exchange#clientClosed()}) and cancels the job
 * when the client has closed it.
 */
final class ReplyWriter {

    private static final long PING_MILLIS = 1000;
    private static final long CLOSE_CHECK_MILLIS = 20;    // a non-streamed reply checks its connection this often
    private static final String FINGERPRINT = "kiln";

    private final Exchange exchange;
    private final PreparedRequest prepared;
    private final String model;
    private final TokenCodec codec;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;

    ReplyWriter(Exchange exchange, PreparedRequest prepared, String model, TokenCodec codec) {
        this.exchange = exchange;
        this.prepared = prepared;
        this.model = model;
        this.codec = codec;
        this.id = (prepared.chat() ? "chatcmpl-" : "cmpl-") + randomId();
    }

    /** @return true when the reply completed (false: the client went away or the job failed) */
    boolean write() throws IOException, InterruptedException {
        GenerationJob job = prepared.job();
        exchange.onFailure(job::cancel);
        try {
            return prepared.stream() ? stream(job) : whole(job);
        } catch (IOException e) {
            job.cancel();
            throw e;
        } finally {
            // a handler that leaves for any reason must not leave its slot generating
            job.cancel();
        }
    }

    private boolean whole(GenerationJob job) throws IOException, InterruptedException {
        StringBuilder content = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<TokenLogprob> logprobs = new ArrayList<>();
        long nextCheck = System.nanoTime() + CLOSE_CHECK_MILLIS * 1_000_000;
        while (true) {
            GenerationEvent event = job.next(CLOSE_CHECK_MILLIS);
            if (System.nanoTime() - nextCheck >= 0 && !(event instanceof GenerationEvent.Finished)) {
                // nothing is written until the end, so look for a client that went away every few steps
                nextCheck = System.nanoTime() + CLOSE_CHECK_MILLIS * 1_000_000;
                if (job.cancelled() || exchange.clientClosed()) {
                    job.cancel();
                    return false;
                }
            }
            switch (event) {
                case null -> { }
                case GenerationEvent.Delta d -> {
                    content.append(d.content());
                    reasoning.append(d.reasoning());
                    logprobs.addAll(d.logprobs());
                }
                case GenerationEvent.Failed f -> throw failure(f);
                case GenerationEvent.Finished f -> {
                    Usage usage = Usage.of(f.promptTokens(), f.completionTokens(), f.cachedTokens());
                    Timings timings = timings(f);
                    if (prepared.chat()) {
                        List<ToolCallJson> calls = f.toolCalls().isEmpty() ? null : f.toolCalls().stream()
                                .map(c -> new ToolCallJson(null, c.id(), "function",
                                        new ToolCallJson.Function(c.name(), c.arguments())))
                                .toList();
                        String text = content.isEmpty() && calls != null ? null : content.toString();
                        ChatCompletion.Message message = new ChatCompletion.Message("assistant", text,
                                reasoning.isEmpty() ? null : reasoning.toString(), calls);
                        exchange.json(200, new ChatCompletion(id, "chat.completion", created, model, FINGERPRINT,
                                List.of(new ChatCompletion.Choice(0, message, chatLogprobs(logprobs), f.finishReason())),
                                usage, timings));
                    } else {
                        exchange.json(200, new TextCompletion(id, "text_completion", created, model, FINGERPRINT,
                                List.of(new TextCompletion.Choice(content.toString(), 0, textLogprobs(logprobs),
                                        f.finishReason())), usage, timings));
                    }
                    return true;
                }
            }
        }
    }

    private boolean stream(GenerationJob job) throws IOException, InterruptedException {
        exchange.startEvents();
        if (prepared.chat()) {
            chunk(new ChatChunk.Delta("assistant", "", null, null), null);
        }
        while (true) {
            GenerationEvent event = job.next(PING_MILLIS);
            switch (event) {
                case null -> exchange.ping();
                case GenerationEvent.Delta d -> {
                    if (prepared.chat()) {
                        if (!d.content().isEmpty() || !d.reasoning().isEmpty() || !d.logprobs().isEmpty()) {
                            chunk(new ChatChunk.Delta(null, d.content().isEmpty() ? null : d.content(),
                                    d.reasoning().isEmpty() ? null : d.reasoning(), null), chatLogprobs(d.logprobs()));
                        }
                        for (ToolCallDelta t : d.toolCalls()) {
                            chunk(new ChatChunk.Delta(null, null, null, List.of(new ToolCallJson(t.index(), t.id(),
                                    t.id() == null ? null : "function", new ToolCallJson.Function(t.name(), t.arguments())))),
                                    null);
                        }
                    } else if (!d.content().isEmpty() || !d.logprobs().isEmpty()) {
                        text(d.content(), textLogprobs(d.logprobs()));
                    }
                }
                case GenerationEvent.Failed f -> {
                    exchange.event(Json.write(failure(f).body()));
                    return false;
                }
                case GenerationEvent.Finished f -> {
                    // the timings ride on the last chunk before [DONE], as llama-server's do
                    Usage usage = Usage.of(f.promptTokens(), f.completionTokens(), f.cachedTokens());
                    Timings timings = timings(f);
                    boolean withUsage = prepared.includeUsage();
                    if (prepared.chat()) {
                        chunk(new ChatChunk.Delta(null, null, null, null), null, f.finishReason(),
                                withUsage ? null : timings);
                        if (withUsage) {
                            exchange.event(Json.write(new ChatChunk(id, "chat.completion.chunk", created, model,
                                    FINGERPRINT, List.of(), usage, timings)));
                        }
                    } else {
                        text("", null, f.finishReason(), withUsage ? null : timings);
                        if (withUsage) {
                            exchange.event(Json.write(new TextCompletion(id, "text_completion", created, model,
                                    FINGERPRINT, List.of(), usage, timings)));
                        }
                    }
                    exchange.event("[DONE]");
                    return true;
                }
            }
        }
    }

    private void chunk(ChatChunk.Delta delta, Logprobs logprobs) throws IOException {
        chunk(delta, logprobs, null, null);
    }

    private void chunk(ChatChunk.Delta delta, Logprobs logprobs, String finishReason, Timings timings)
            throws IOException {
        exchange.event(Json.write(new ChatChunk(id, "chat.completion.chunk", created, model, FINGERPRINT,
                List.of(new ChatChunk.Choice(0, delta, logprobs, finishReason)), null, timings)));
    }

    private void text(String text, TextCompletion.TextLogprobs logprobs) throws IOException {
        text(text, logprobs, null, null);
    }

    private void text(String text, TextCompletion.TextLogprobs logprobs, String finishReason, Timings timings)
            throws IOException {
        exchange.event(Json.write(new TextCompletion(id, "text_completion", created, model, FINGERPRINT,
                List.of(new TextCompletion.Choice(text, 0, logprobs, finishReason)), null, timings)));
    }

    private static Timings timings(GenerationEvent.Finished f) {
        return Timings.of(f.cachedTokens(), f.promptTokens() - f.cachedTokens(), f.promptNanos(), f.completionTokens(),
                f.predictedNanos());
    }

    private Logprobs chatLogprobs(List<TokenLogprob> logprobs) {
        if (!prepared.logprobs() || logprobs.isEmpty()) {
            return null;
        }
        List<Logprobs.Content> content = new ArrayList<>();
        for (TokenLogprob lp : logprobs) {
            List<Logprobs.Top> top = new ArrayList<>();
            for (TokenLogprob.Alternative a : lp.top()) {
                String piece = codec.piece(a.token());
                top.add(new Logprobs.Top(piece, a.logprob(), bytes(piece)));
            }
            String piece = codec.piece(lp.token());
            content.add(new Logprobs.Content(piece, lp.logprob(), bytes(piece), top));
        }
        return new Logprobs(content);
    }

    private TextCompletion.TextLogprobs textLogprobs(List<TokenLogprob> logprobs) {
        if (!prepared.logprobs() || logprobs.isEmpty()) {
            return null;
        }
        List<String> tokens = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<Map<String, Double>> top = new ArrayList<>();
        for (TokenLogprob lp : logprobs) {
            tokens.add(codec.piece(lp.token()));
            values.add(lp.logprob());
            Map<String, Double> alternatives = new LinkedHashMap<>();
            lp.top().forEach(a -> alternatives.putIfAbsent(codec.piece(a.token()), a.logprob()));
            top.add(alternatives);
        }
        return new TextCompletion.TextLogprobs(tokens, values, top, null);
    }

    private static List<Integer> bytes(String piece) {
        List<Integer> out = new ArrayList<>();
        for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
            out.add(b & 0xff);
        }
        return out;
    }

    private static ApiException failure(GenerationEvent.Failed f) {
        return new ApiException(f.message().contains("shutting down") ? 503 : 500, "server_error", "generation_failed",
                null, f.message());
    }

    private static String randomId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 24; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
