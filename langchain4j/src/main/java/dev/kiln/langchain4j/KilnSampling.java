package dev.kiln.langchain4j;

/**
 * Kiln's settings that LangChain4j's request parameters do not carry; null leaves the server's default.
 *
 * @param minP             min-p sampling (default 0.05; 0 disables)
 * @param seed             the sampling seed (default: random)
 * @param reasoningBudget  thinking tokens allowed: -1 unlimited, 0 none, N closes the think block after N tokens
 *                         (default: the engine's)
 * @param strictJsonSchema send a {@code ResponseFormat} schema in OpenAI's strict form: every property present (the
 *                         optional ones nullable) and no other properties
 */
record KilnSampling(Double minP, Long seed, Integer reasoningBudget, boolean strictJsonSchema) {
}
