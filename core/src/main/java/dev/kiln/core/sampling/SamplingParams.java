package dev.kiln.core.sampling;

/**
 * The parameters of llama.cpp's default sampler chain, with llama.cpp's default values
 * ({@code common_params_sampling} in llama.cpp's common/common.h).
 *
 * <ul>
 *   <li>{@code temperature}: logits are divided by it before the draw; {@code <= 0} means greedy (argmax).</li>
 *   <li>{@code topK}: keep the k most likely tokens; {@code <= 0} disables.</li>
 *   <li>{@code topP}: keep the smallest most-likely set whose probability reaches p; {@code >= 1} disables.</li>
 *   <li>{@code minP}: keep tokens whose probability is at least p times the most likely one's; {@code <= 0} disables.</li>
 *   <li>{@code repeatPenalty}: for tokens seen in the last {@code repeatLastN} tokens, positive logits are divided
 *       by it and negative ones multiplied; {@code 1} disables.</li>
 *   <li>{@code repeatLastN}: how many past tokens the penalties look at; 0 disables, -1 means all of them.</li>
 *   <li>{@code presencePenalty}: subtracted once from the logit of every token seen in that window.</li>
 *   <li>{@code frequencyPenalty}: subtracted per occurrence in that window.</li>
 *   <li>{@code seed}: seed of the draw; {@link #RANDOM_SEED} (llama.cpp's {@code LLAMA_DEFAULT_SEED}) picks one
 *       at random when the sampler is made.</li>
 *   <li>{@code grammar}: when not null, only text the grammar accepts is generated (GBNF, JSON Schema: see
 *       {@link dev.kiln.core.grammar.Grammar}); the end-of-generation token is allowed only where it may end.</li>
 * </ul>
 * Same parameters and same seed give the same tokens for the same logits.
 */
public record SamplingParams(float temperature, int topK, float topP, float minP,
                             float repeatPenalty, int repeatLastN, float presencePenalty, float frequencyPenalty,
                             long seed, dev.kiln.core.grammar.Grammar grammar) {

    /** llama.cpp's {@code LLAMA_DEFAULT_SEED}: choose a random seed. */
    public static final long RANDOM_SEED = 0xFFFF_FFFFL;

    /** llama.cpp's defaults (temp 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties, last 64, random seed). */
    public static final SamplingParams DEFAULTS =
            new SamplingParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 0.0f, 0.0f, RANDOM_SEED);

    /** Greedy decoding: temperature 0, no penalties. */
    public static final SamplingParams GREEDY = DEFAULTS.withTemperature(0f);

    /** Parameters without a grammar. */
    public SamplingParams(float temperature, int topK, float topP, float minP, float repeatPenalty, int repeatLastN,
                          float presencePenalty, float frequencyPenalty, long seed) {
        this(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, null);
    }

    public SamplingParams {
        requireFinite("temperature", temperature);
        requireFinite("top_p", topP);
        requireFinite("min_p", minP);
        requireFinite("repeat_penalty", repeatPenalty);
        requireFinite("presence_penalty", presencePenalty);
        requireFinite("frequency_penalty", frequencyPenalty);
        if (topP < 0f || topP > 1f) {
            throw new IllegalArgumentException("top_p must be in [0, 1], got " + topP);
        }
        if (minP < 0f || minP > 1f) {
            throw new IllegalArgumentException("min_p must be in [0, 1], got " + minP);
        }
        if (repeatPenalty <= 0f) {
            throw new IllegalArgumentException("repeat_penalty must be > 0 (1 disables it), got " + repeatPenalty);
        }
        if (repeatLastN < -1) {
            throw new IllegalArgumentException("repeat_last_n must be >= -1 (-1 = all tokens, 0 = off), got "
                    + repeatLastN);
        }
    }

    private static void requireFinite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number, got " + value);
        }
    }

    /** True when the draw is replaced by argmax. */
    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** True when the penalties change any logit. */
    public boolean hasPenalties() {
        return repeatLastN != 0
                && (repeatPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f);
    }

    public SamplingParams withTemperature(float v) {
        return new SamplingParams(v, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withTopK(int v) {
        return new SamplingParams(temperature, v, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withTopP(float v) {
        return new SamplingParams(temperature, topK, v, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withMinP(float v) {
        return new SamplingParams(temperature, topK, topP, v, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withRepeatPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, v, repeatLastN, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withRepeatLastN(int v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, v, presencePenalty, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withPresencePenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, v, frequencyPenalty, seed, grammar);
    }

    public SamplingParams withFrequencyPenalty(float v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, v, seed, grammar);
    }

    public SamplingParams withSeed(long v) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, v, grammar);
    }

    /** These parameters constrained by {@code g} (null: no constraint). */
    public SamplingParams withGrammar(dev.kiln.core.grammar.Grammar g) {
        return new SamplingParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, presencePenalty, frequencyPenalty, seed, g);
    }
}
