package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.server.api.ApiException;
import dev.kiln.server.api.RequestReader;
import dev.kiln.server.model.ServedModel;
import dev.kiln.server.slot.GenerationJob;
import dev.kiln.server.slot.QueueFullException;
import dev.kiln.server.slot.SlotScheduler;

/**
 * The server's chat path without HTTP, for in-process integrations (the {@code langchain4j} module): an OpenAI-shaped
 * {@code /v1/chat/completions} body goes through the same validation, chat template, tools, tool-call parser and
 * reasoning budget as over HTTP, and its {@link GenerationJob} delivers the same events the HTTP handler streams.
 * Requests share the {@code -np} slots and their cached prefixes, as the server's do. Owns the model: {@link #close}
 * ends requests still running and frees it.
 */
public final class LocalChat implements AutoCloseable {

    private final ServedModel model;
    private final SlotScheduler scheduler;
    private final RequestPreparer preparer;

    /**
     * @param batchSize       rows per forward pass ({@code -b})
     * @param queueCapacity   requests that may wait for a free slot ({@code --max-queue})
     * @param reasoningBudget the default thinking budget ({@code --reasoning-budget}): -1 unlimited, 0 none, N tokens
     */
    public LocalChat(ServedModel model, int batchSize, int queueCapacity, int reasoningBudget) {
        this.model = model;
        this.scheduler = new SlotScheduler(model.model(), model.codec(), batchSize, queueCapacity);
        this.preparer = new RequestPreparer(model, model.model().sequenceLength(), reasoningBudget);
    }

    /** The model's name (its file name, or the name it was served under). */
    public String modelName() {
        return model.name();
    }

    /** Positions one request may use, prompt and reply together. */
    public int slotContext() {
        return scheduler.slotContext();
    }

    /**
     * Validates, renders and queues one chat request ({@code stream} and {@code stream_options} are ignored: the
     * job's events are always incremental).
     *
     * @throws ApiException       a field of the body is invalid, or the prompt does not fit a slot; the message and
     *                            {@link ApiException#body()} name the field
     * @throws QueueFullException every slot is busy and the wait queue is full
     */
    public GenerationJob chat(ObjectNode body) throws QueueFullException {
        PreparedRequest prepared = preparer.chat(RequestReader.chat(body));
        scheduler.submit(prepared.job());
        return prepared.job();
    }

    @Override
    public void close() {
        try {
            scheduler.close();
        } finally {
            model.close();
        }
    }
}
