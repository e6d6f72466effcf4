package dev.kiln.server.api;

/**
 * {@code GET /props}: what llama-server's endpoint of the same name tells a client about the server, the fields a
 * chat front-end uses (the web page shows the model, the context of a slot and the sampling defaults).
 *
 * @param totalSlots   {@code -np}
 * @param modelAlias   the model id of {@code /v1/models}
 * @param chatTemplate the template source; "" when the file has none and a built-in format is used
 * @param webui        whether {@code GET /} serves the chat page ({@code --no-webui} turns it off)
 */
public record Props(DefaultGenerationSettings defaultGenerationSettings, int totalSlots, String modelAlias,
                    String chatTemplate, Modalities modalities, String buildInfo, boolean webui) {

    /** @param nCtx positions of one slot ({@code -c / -np}), as llama-server reports it */
    public record DefaultGenerationSettings(int nCtx, Params params) {
    }

    /** The sampling a request gets for each field it leaves out. {@code -1} means unlimited / random. */
    public record Params(double temperature, int topK, double topP, double minP, int nPredict, int maxTokens,
                         long seed, double presencePenalty, double frequencyPenalty, int reasoningBudget) {
    }

    /** Kiln serves text models only. */
    public record Modalities(boolean vision, boolean audio) {
    }
}
