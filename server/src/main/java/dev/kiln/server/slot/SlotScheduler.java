package dev.kiln.server.slot;

import dev.kiln.core.chat.ReasoningBudget;
import dev.kiln.core.chat.ReasoningSplitter;
import dev.kiln.server.model.BatchRow;
import dev.kiln.server.model.StepModel;
import dev.kiln.server.model.TokenCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Continuous batching over {@code -np} slots, as llama-server's update loop: one thread runs steps; each step drops
 * cancelled requests, admits waiting ones into free slots (the slot whose cached tokens share the longest prefix
 * with the prompt, so only the suffix is evaluated), then gathers one row per generating slot plus up to {@code -b}
 * rows of prompt, evaluates them in ONE {@link StepModel#evaluate} call and samples each slot's next token.
 * Requests join and leave between steps; the wait queue is bounded.
 */
public final class SlotScheduler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SlotScheduler.class);

    private final StepModel model;
    private final TokenCodec codec;
    private final LongSupplier nanoClock; // for each request's timings
    private final int[] endOfGeneration;  // the vocabulary's end-of-generation tokens, masked for ignore_eos
    private final int batchSize;
    private final Slot[] slots;
    private final BlockingQueue<GenerationJob> waiting;
    private final Thread loop;
    private volatile boolean running = true;
    private long clock;
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong generated = new AtomicLong();
    private final AtomicLong prompted = new AtomicLong();
    private final AtomicLong reused = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile int busySlots;

    /**
     * @param batchSize     rows per step ({@code -b}); prompt chunks fill what decoding rows leave
     * @param queueCapacity requests that may wait for a slot before {@link #submit} refuses
     */
    public SlotScheduler(StepModel model, TokenCodec codec, int batchSize, int queueCapacity) {
        this(model, codec, batchSize, queueCapacity, System::nanoTime);
    }

    /** With {@code nanoClock} timing each request's prompt and generation: tests pass a model-driven one. */
    SlotScheduler(StepModel model, TokenCodec codec, int batchSize, int queueCapacity, LongSupplier nanoClock) {
        if (batchSize < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException("batch size " + batchSize + ", queue capacity " + queueCapacity);
        }
        this.model = model;
        this.codec = codec;
        this.nanoClock = nanoClock;
        this.endOfGeneration = java.util.stream.IntStream.range(0, model.vocabularySize())
                .filter(codec::isEndOfGeneration).toArray();
        this.batchSize = batchSize;
        this.slots = new Slot[model.sequences()];
        for (int s = 0; s < slots.length; s++) {
            slots[s] = new Slot(s);
        }
        this.waiting = new ArrayBlockingQueue<>(Math.max(1, queueCapacity + slots.length));
        this.loop = Thread.ofPlatform().name("kiln-slots").daemon().unstarted(this::run);
        loop.start();
    }

    /** Positions one slot may hold. */
    public int slotContext() {
        return model.sequenceLength();
    }

    /** Queues a request; its events arrive on the job. */
    public void submit(GenerationJob job) throws QueueFullException {
        if (!running) {
            throw new QueueFullException("the server is shutting down");
        }
        if (job.prompt.length >= model.sequenceLength()) {
            throw new IllegalArgumentException("prompt of " + job.prompt.length + " tokens does not fit the slot context of "
                    + model.sequenceLength());
        }
        if (!waiting.offer(job)) {
            rejected.incrementAndGet();
            throw new QueueFullException("all " + slots.length + " slots are busy and " + (waiting.size())
                    + " requests are waiting; try again later");
        }
        LockSupport.unpark(loop);
    }

    public SchedulerStats stats() {
        return new SchedulerStats(slots.length, busySlots, waiting.size(), steps.get(), generated.get(), prompted.get(),
                reused.get(), busyNanos.get() / 1e9, rejected.get());
    }

    /** Stops the loop; requests still running or waiting get a {@code Failed} event. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(loop);
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                dropCancelled();
                admit();
                List<BatchRow> rows = new ArrayList<>();
                List<Slot> owners = new ArrayList<>();
                gather(rows, owners);
                busySlots = countBusy();
                if (rows.isEmpty()) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                    continue;
                }
                step(rows, owners);
            }
        } catch (Throwable t) {
            LOG.error("slot loop failed", t);
        } finally {
            running = false;
            for (Slot slot : slots) {
                if (slot.busy()) {
                    slot.job.emit(new GenerationEvent.Failed("the server is shutting down"));
                    slot.release();
                }
            }
            for (GenerationJob job; (job = waiting.poll()) != null; ) {
                job.emit(new GenerationEvent.Failed("the server is shutting down"));
            }
            busySlots = 0;
        }
    }

    private int countBusy() {
        int n = 0;
        for (Slot slot : slots) {
            n += slot.busy() ? 1 : 0;
        }
        return n;
    }

    private void dropCancelled() {
        for (Slot slot : slots) {
            if (slot.busy() && slot.job.cancelled()) {
                LOG.debug("slot {}: client gone, freed", slot.sequence);
                slot.release();
                busySlots = countBusy();
            }
        }
    }

    /**
     * Moves waiting requests into free slots. Routing as llama-server's: the free slot whose cache shares the longest
     * prefix with the prompt, if that prefix is more than half the prompt; otherwise the least recently used slot, so
     * that an unrelated prompt does not overwrite a cache another conversation will come back to.
     */
    private void admit() {
        while (!waiting.isEmpty()) {
            GenerationJob job = waiting.peek();
            if (job.cancelled()) {
                waiting.poll();
                continue;
            }
            Slot best = null;
            int bestPrefix = 0;
            Slot leastRecent = null;
            for (Slot slot : slots) {
                if (slot.busy()) {
                    continue;
                }
                int prefix = slot.commonPrefix(job.prompt);
                if (prefix * 2 > job.prompt.length && prefix > bestPrefix) {
                    best = slot;
                    bestPrefix = prefix;
                }
                if (leastRecent == null || slot.lastUsed < leastRecent.lastUsed) {
                    leastRecent = slot;
                }
            }
            if (leastRecent == null) {
                return;
            }
            if (best == null) {
                best = leastRecent;
                bestPrefix = best.commonPrefix(job.prompt);
            }
            waiting.poll();
            start(best, job, Math.min(bestPrefix, job.prompt.length - 1));
        }
    }

    private void start(Slot slot, GenerationJob job, int reuse) {
        model.truncate(slot.sequence, reuse);
        slot.truncate(reuse);
        slot.job = job;
        slot.promptIndex = reuse;
        slot.cachedPromptTokens = reuse;
        slot.pendingToken = -1;
        slot.completionTokens = 0;
        slot.admitted = nanoClock.getAsLong();
        slot.firstToken = -1;
        slot.reasoningBudget = new ReasoningBudget(job.params.reasoningBudget());
        slot.lastUsed = ++clock;
        int room = model.sequenceLength() - job.prompt.length - 1;
        int budget = job.params.maxTokens() > 0 ? Math.min(job.params.maxTokens(), room) : room;
        slot.sampler = new TokenSampler(job.params, job.prompt, codec.tokenTrie(), budget);
        ReasoningSplitter splitter = job.thinkTags == null ? null
                : new ReasoningSplitter(job.thinkTags, job.promptOpensThinking);
        slot.reply = new ReplyPipeline(codec.detokenizer(), job.params.stop(), splitter, job.toolParser);
        reused.addAndGet(reuse);
    }

    /** One row per generating slot, then prompt chunks up to the batch size. */
    private void gather(List<BatchRow> rows, List<Slot> owners) {
        for (Slot slot : slots) {
            if (slot.busy() && slot.pendingToken >= 0) {
                rows.add(new BatchRow(slot.sequence, slot.cachedLength(), slot.pendingToken, true));
                owners.add(slot);
            }
        }
        int budget = batchSize - rows.size();
        Slot[] byAge = Arrays.stream(slots).filter(Slot::prefilling).sorted((a, b) -> Long.compare(a.lastUsed, b.lastUsed))
                .toArray(Slot[]::new);
        for (Slot slot : byAge) {
            if (budget <= 0) {
                break;
            }
            int[] prompt = slot.job.prompt;
            int end = Math.min(prompt.length, slot.promptIndex + budget);
            for (int i = slot.promptIndex; i < end; i++) {
                rows.add(new BatchRow(slot.sequence, slot.cachedLength() + (i - slot.promptIndex), prompt[i],
                        i == prompt.length - 1));
                owners.add(slot);
            }
            budget -= end - slot.promptIndex;
        }
    }

    private void step(List<BatchRow> rows, List<Slot> owners) {
        long t0 = System.nanoTime();
        float[][] logits;
        try {
            logits = model.evaluate(rows);
        } catch (RuntimeException e) {
            LOG.error("forward pass failed", e);
            for (Slot slot : new java.util.LinkedHashSet<>(owners)) {
                slot.job.emit(new GenerationEvent.Failed("model evaluation failed: " + e.getMessage()));
                model.truncate(slot.sequence, 0);
                slot.truncate(0);
                slot.release();
            }
            return;
        }
        busyNanos.addAndGet(System.nanoTime() - t0);
        steps.incrementAndGet();
        long now = nanoClock.getAsLong(); // when this step's logits were in, for every slot's timings
        int next = 0;
        for (int r = 0; r < rows.size(); r++) {
            BatchRow row = rows.get(r);
            Slot slot = owners.get(r);
            slot.append(row.token());
            if (slot.prefilling()) {
                slot.promptIndex++;
                prompted.incrementAndGet();
            } else {
                slot.pendingToken = -1;
            }
            if (row.wantsLogits()) {
                accept(slot, logits[next++], now);
            }
        }
    }

    /** Chooses the slot's next token from the logits of its last row and routes its text. */
    private void accept(Slot slot, float[] logits, long now) {
        GenerationJob job = slot.job;
        if (slot.firstToken < 0) {
            slot.firstToken = now; // the prompt's logits are in: its time ends here
        }
        int token;
        TokenLogprob logprob = null;
        if (!slot.forced.isEmpty()) {
            token = slot.forced.poll();
        } else {
            if (job.params.ignoreEos() && job.params.constraint() == null) {
                for (int t : endOfGeneration) {
                    logits[t] = Float.NEGATIVE_INFINITY;
                }
            }
            token = slot.sampler.sample(logits);
            if (job.params.logprobs()) {
                logprob = TokenLogprob.of(logits, token, job.params.topLogprobs());
            }
        }
        if (codec.isEndOfGeneration(token)) {
            finish(slot, "stop");
            return;
        }
        slot.completionTokens++;
        slot.lastToken = now;  // an end-of-generation token is not counted, nor is the step that sampled it
        generated.incrementAndGet();
        slot.sampler.accept(token);
        ReplyPipeline.Piece piece = slot.reply.push(token);
        GenerationEvent.Delta delta = new GenerationEvent.Delta(piece.content(), piece.reasoning(),
                logprob == null ? List.of() : List.of(logprob), piece.toolCalls());
        if (!delta.isEmpty()) {
            job.emit(delta);
        }
        if (slot.reply.stopped()) {
            finish(slot, "stop");
            return;
        }
        if (job.thinkTags != null && slot.reply.thinking() && slot.reasoningBudget.countThinkingToken()) {
            for (int t : codec.encode(job.thinkTags.closing(), false)) {
                slot.forced.add(t);
            }
        }
        if (job.params.maxTokens() > 0 && slot.completionTokens >= job.params.maxTokens()) {
            finish(slot, "length");
            return;
        }
        if (slot.cachedLength() + 1 >= model.sequenceLength()) {
            finish(slot, "length");
            return;
        }
        slot.pendingToken = token;
    }

    private void finish(Slot slot, String reason) {
        ReplyPipeline.End end = slot.reply.finish();
        GenerationJob job = slot.job;
        GenerationEvent.Delta last = new GenerationEvent.Delta(end.content(), end.reasoning(), List.of(),
                end.toolCallDeltas());
        if (!last.isEmpty()) {
            job.emit(last);
        }
        String finishReason = end.calls().isEmpty() ? reason : "tool_calls";
        GenerationEvent.Finished finished = new GenerationEvent.Finished(finishReason, end.calls(), job.prompt.length,
                slot.cachedPromptTokens, slot.completionTokens, slot.firstToken - slot.admitted,
                slot.completionTokens > 0 ? slot.lastToken - slot.firstToken : 0);
        slot.release();
        busySlots = countBusy();           // before the client hears of it, so /metrics is never behind
        job.emit(finished);
    }
}
