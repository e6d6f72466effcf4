package dev.kiln.core;

import dev.kiln.core.chat.ChatMessage;
import dev.kiln.core.chat.ChatTemplate;
import dev.kiln.core.chat.ReasoningBudget;
import dev.kiln.core.chat.RenderOptions;
import dev.kiln.core.chat.ThinkTags;
import dev.kiln.core.chat.ThinkingLimiter;
import dev.kiln.core.generate.Generation;
import dev.kiln.core.generate.Generator;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.sampling.Sampler;
import dev.kiln.core.sampling.Samplers;
import dev.kiln.core.sampling.SamplingParams;
import dev.kiln.core.tokenizer.TokenDecoder;
import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Vocabulary;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One conversation with a {@link Model}: its own KV cache (one sequence of {@code contextSize} cells) and the tokens
 * in it. {@link #generate} continues the sequence with a text prompt; {@link #chat} renders the whole conversation
 * with the model's chat template and reuses the cached prefix, so only new turns are computed.
 *
 * <p>Threading: use a session from one thread at a time. Several sessions of one model may run on different threads;
 * their forward passes take turns on the model.
 */
public final class Session implements AutoCloseable {
    private final Model model;
    private final KvCache cache;
    private final Generator generator;
    // The conversation's tokens in order: those in the cache, then at most a few not yet evaluated (the last token
    // sampled when generation stopped on a limit), which the next call evaluates before its own prompt.
    private int[] history = new int[0];
    private int historyLength;
    // One sampler per session, as llama.cpp keeps one per conversation: a fixed seed does not replay the same random
    // numbers on every turn. Rebuilt when the sampling parameters change.
    private Sampler sampler;
    private SamplingParams samplerParams;

    Session(Model model, int contextSize) {
        this.model = model;
        this.cache = model.newCache(1, contextSize);
        this.generator = new Generator(model.forward(), cache, 0);
    }

    /** Cells of the context in use. */
    public int position() {
        return cache.position(0);
    }

    /** Context size in tokens. */
    public int contextSize() {
        return cache.capacity();
    }

    /** Forgets everything: the next call starts a new sequence. */
    public void reset() {
        cache.clear(0);
        historyLength = 0;
        sampler = null;
    }

    /**
     * Continues the sequence with {@code prompt} (special-token text such as {@code <|im_start|>} is parsed; BOS is
     * added when the sequence is empty and the vocabulary asks for it) and generates up to {@code maxTokens} tokens
     * ({@code < 0}: until an end-of-generation token or a full context), streaming text pieces to {@code onText}.
     */
    public Completion generate(String prompt, SamplingParams params, int maxTokens, Consumer<String> onText) {
        Tokenizer tokenizer = model.tokenizer();
        int[] promptIds = tokenizer.encode(prompt, historyLength == 0, true);
        // tokens of the conversation not in the cache yet (the last one sampled) go first
        int cached = position();
        int[] ids = new int[historyLength - cached + promptIds.length];
        System.arraycopy(history, cached, ids, 0, historyLength - cached);
        System.arraycopy(promptIds, 0, ids, historyLength - cached, promptIds.length);
        historyLength = cached;
        return run(ids, params, maxTokens, onText);
    }

    /** {@link #generate(String, SamplingParams, int, Consumer)} until end of generation or a full context. */
    public Completion generate(String prompt, SamplingParams params, Consumer<String> onText) {
        return generate(prompt, params, -1, onText);
    }

    /**
     * Answers the last message of {@code messages} (the whole conversation so far, system prompt included): renders
     * it with the model's chat template (generation prompt added), computes only the tokens after the part already in
     * the cache, and streams the reply. A file without a template gets a built-in format ({@link Model#chatTemplate()}).
     */
    public Completion chat(List<ChatMessage> messages, SamplingParams params, int maxTokens, Consumer<String> onText) {
        return chat(messages, params, maxTokens, ReasoningBudget.UNLIMITED, onText);
    }

    /**
     * {@link #chat(List, SamplingParams, int, Consumer)} with a reasoning budget, as {@code --reasoning-budget}: -1
     * unlimited, 0 no thinking (the template's {@code enable_thinking=false} where it reads it, else an empty think
     * block after the prompt), N &gt; 0 closes the think block after N thinking tokens (see {@link ThinkingLimiter}).
     * Templates without think tags ignore the budget.
     */
    public Completion chat(List<ChatMessage> messages, SamplingParams params, int maxTokens, int reasoningBudget,
                           Consumer<String> onText) {
        ReasoningBudget budget = new ReasoningBudget(reasoningBudget);
        ChatTemplate template = model.chatTemplate();
        ThinkTags tags = ThinkTags.detect(template.source()).orElse(null);
        boolean thinkingSwitch = template.usesVariable("enable_thinking");
        Vocabulary vocab = model.tokenizer().vocabulary();
        RenderOptions.Builder options = RenderOptions.builder().addGenerationPrompt(true)
                .bosToken(vocab.bos() >= 0 ? vocab.token(vocab.bos()) : "")
                .eosToken(vocab.eos() >= 0 ? vocab.token(vocab.eos()) : "");
        model.templateVariables().forEach(options::variable);
        if (budget.limit() == 0 && thinkingSwitch) {
            options.variable("enable_thinking", false);
        }
        String text = template.render(messages, options.build());
        if (budget.limit() == 0 && tags != null && !thinkingSwitch) {
            text = tags.withoutThinking(text);
        }
        ThinkingLimiter limiter = budget.limit() > 0 && tags != null
                ? new ThinkingLimiter(tags, tags.promptOpensThinking(text), budget,
                        model.tokenizer().encode(tags.closing(), false, true))
                : null;
        boolean templateHasBos = vocab.bos() >= 0 && text.startsWith(vocab.token(vocab.bos()));
        int[] ids = model.tokenizer().encode(text, !templateHasBos, true);
        // reuse the cached prefix; recompute at least the last token to get its logits
        int common = 0;
        while (common < historyLength && common < ids.length && history[common] == ids[common]) {
            common++;
        }
        common = Math.min(Math.min(common, position()), ids.length - 1);
        cache.truncate(0, common);
        historyLength = common;
        return run(Arrays.copyOfRange(ids, common, ids.length), params, maxTokens, limiter, onText);
    }

    private Completion run(int[] ids, SamplingParams params, int maxTokens, Consumer<String> onText) {
        return run(ids, params, maxTokens, null, onText);
    }

    private Completion run(int[] ids, SamplingParams params, int maxTokens, ThinkingLimiter limiter,
                           Consumer<String> onText) {
        Objects.requireNonNull(onText, "onText");
        Vocabulary vocab = model.tokenizer().vocabulary();
        if (sampler == null || !params.equals(samplerParams)) {
            sampler = Samplers.of(params);
            samplerParams = params;
            for (int i = 0; i < historyLength; i++) {
                sampler.accept(history[i]);
            }
        }
        Sampler active = sampler;
        if (params.grammar() != null) {
            active = new dev.kiln.core.sampling.GrammarSampler(sampler,
                    params.grammar().bind(model.tokenTrie()).matcher(), maxTokens);
        }
        active = limiter != null ? limiter.wrap(active) : active;
        TokenDecoder decoder = model.tokenizer().decoder();
        StringBuilder text = new StringBuilder();
        Generation g = generator.generate(ids, maxTokens, active, vocab::isEndOfGeneration, token -> {
            String piece = decoder.feed(token);
            if (limiter != null) {
                limiter.observe(piece);
            }
            if (!piece.isEmpty()) {
                text.append(piece);
                onText.accept(piece);
            }
            return true;
        });
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            text.append(rest);
            onText.accept(rest);
        }
        remember(ids);
        remember(g.tokens());
        return new Completion(text.toString(), g);
    }

    private void remember(int[] ids) {
        if (historyLength + ids.length > history.length) {
            history = Arrays.copyOf(history, Math.max(2 * history.length, historyLength + ids.length));
        }
        System.arraycopy(ids, 0, history, historyLength, ids.length);
        historyLength += ids.length;
    }

    @Override
    public void close() {
        cache.close();
    }
}
