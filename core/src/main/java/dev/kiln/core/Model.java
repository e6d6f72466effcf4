package dev.kiln.core;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.graph.DeviceBudget;
import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.spi.Backend;
import dev.kiln.gguf.Metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * A loaded model ready to compute: the mapped file, its weights on their backends and the shared {@link Forward}.
 * Made by {@link Kiln#load}; closing it frees the backends and unmaps the file (sessions must be closed first).
 *
 * <p>Threading: a {@code Model} may be shared by several threads and sessions. Each session owns its KV cache;
 * forward passes of all sessions are serialized on the model's {@link Forward} (one runs at a time), so sessions on
 * different threads interleave token by token. A single {@link Session} must be used by one thread at a time.
 * For many concurrent sequences in one pass, use {@link #forward()} with a multi-sequence cache
 * ({@link #newCache(int, int)}) and {@link dev.kiln.core.spi.Batch}es with one row per sequence.
 */
public final class Model implements AutoCloseable {
    private final GgufModel model;
    private final LoadOptions options;
    private final Backend cpu;
    private final Backend accelerator; // null when nothing is offloaded
    private final Placement placement;
    private final Forward forward;
    private final Tokenizer tokenizer;
    private String chatTemplateSource;       // null when the file has none
    private java.util.Map<String, Object> templateVariables = java.util.Map.of();
    private ChatTemplate chatTemplate;       // parsed on first use
    private volatile dev.kiln.core.grammar.TokenTrie tokenTrie; // built on first use of a grammar
    private final long loadNanos;
    private final DeviceBudget.Parts deviceMemory; // null when nothing is offloaded

    Model(GgufModel model, LoadOptions options, Backend cpu, Backend accelerator, Placement placement, Forward forward,
          Tokenizer tokenizer, String chatTemplateSource, long loadNanos, DeviceBudget.Parts deviceMemory) {
        this.model = model;
        this.options = options;
        this.cpu = cpu;
        this.accelerator = accelerator;
        this.placement = placement;
        this.forward = forward;
        this.tokenizer = tokenizer;
        this.chatTemplateSource = chatTemplateSource;
        this.loadNanos = loadNanos;
        this.deviceMemory = deviceMemory;
    }

    /**
     * The accelerator memory this model takes by the load-time estimate (weights, KV cache, activations, the backend's
     * scratch, the driver's context), or empty when nothing is offloaded.
     */
    public java.util.Optional<DeviceBudget.Parts> deviceMemory() {
        return java.util.Optional.ofNullable(deviceMemory);
    }

    /** "cuda memory estimate: weights ... = N MiB", or empty when nothing is offloaded. */
    public java.util.Optional<String> describeDeviceMemory() {
        return deviceMemory().map(p -> accelerator.name() + " memory estimate: " + p.describe());
    }

    public HyperParams hyperParams() {
        return model.hyperParams();
    }

    public Metadata metadata() {
        return model.metadata();
    }

    /** The resolved file and weights. */
    public GgufModel file() {
        return model;
    }

    public LoadOptions options() {
        return options;
    }

    public Placement placement() {
        return placement;
    }

    /** E.g. "blocks 0-3 + output cpu (cpu, 2 threads)". */
    public String describePlacement() {
        String accel = accelerator == null ? "accelerator" : accelerator.name();
        return placement.describe(cpu.name(), accel) + " (" + cpu.description()
                + (accelerator == null ? "" : "; " + accelerator.description()) + ")";
    }

    /** The model's tokenizer (immutable, thread-safe). */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The chat template: the file's {@code tokenizer.chat_template} when it has one, else the built-in format chosen
     * from its vocabulary and architecture (logged once, as llama.cpp does). Parsed on first use.
     */
    public synchronized ChatTemplate chatTemplate() {
        if (chatTemplate == null) {
            chatTemplate = chatTemplateSource != null ? ChatTemplate.of(chatTemplateSource)
                    : ChatTemplate.forModel(metadata());
        }
        return chatTemplate;
    }

    /**
     * The vocabulary as grammars see it (built on first use, about a second for 150k tokens): every token's bytes,
     * with the family's tool-call and think markers.
     */
    public dev.kiln.core.grammar.TokenTrie tokenTrie() {
        dev.kiln.core.grammar.TokenTrie t = tokenTrie;
        if (t == null) {
            synchronized (this) {
                t = tokenTrie;
                if (t == null) {
                    t = dev.kiln.core.grammar.TokenTrie.of(tokenizer, dev.kiln.core.grammar.TokenTrie.MARKERS);
                    tokenTrie = t;
                }
            }
        }
        return t;
    }

    /**
     * Uses {@code source} (Jinja) as the chat template instead of the file's, and {@code variables} as extra template
     * variables for every chat (llama.cpp's {@code --chat-template-file} and {@code --chat-template-kwargs}).
     *
     * @throws IllegalArgumentException when the template does not parse
     */
    public synchronized void useChatTemplate(String source, java.util.Map<String, Object> variables) {
        if (source != null) {
            ChatTemplate parsed = ChatTemplate.of(source);
            chatTemplateSource = source;
            chatTemplate = parsed;
        }
        templateVariables = java.util.Map.copyOf(variables);
    }

    /** Extra variables every chat template rendering gets ({@code --chat-template-kwargs}). */
    public synchronized java.util.Map<String, Object> templateVariables() {
        return templateVariables;
    }

    /** Whether the file has its own chat template ({@code tokenizer.chat_template}). */
    public boolean hasChatTemplate() {
        return chatTemplateSource != null;
    }

    /** A new conversation with a context of {@link #contextSize()} tokens. */
    public Session newSession() {
        return newSession(contextSize());
    }

    /** A new conversation with a context of {@code contextSize} tokens (capped at the model's context length). */
    public Session newSession(int contextSize) {
        if (contextSize < 1) {
            throw new IllegalArgumentException("context size: expected >= 1, found " + contextSize);
        }
        return new Session(this, Math.min(contextSize, hyperParams().contextLength()));
    }

    /** The forward pass shared by every session (for batched multi-sequence use, e.g. a server). */
    public Forward forward() {
        return forward;
    }

    /** The context size sessions get by default: {@code --ctx-size} capped at the model's context length. */
    public int contextSize() {
        return Math.min(options.contextSize(), hyperParams().contextLength());
    }

    /** A KV cache of {@code sequences} sequences of {@code capacity} cells, in the load options' cache type. */
    public KvCache newCache(int sequences, int capacity) {
        return forward.newCache(options.keyCacheType(), sequences, capacity);
    }

    /** Milliseconds {@link Kiln#load} took (map, resolve, upload). */
    public double loadMillis() {
        return loadNanos / 1e6;
    }

    @Override
    public void close() {
        List<AutoCloseable> parts = new ArrayList<>(List.of(forward));
        if (accelerator != null) {
            parts.add(accelerator);
        }
        parts.add(cpu);
        parts.add(model);
        RuntimeException failure = null;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing the model failed: " + e.getMessage(), e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
