package dev.kiln.server.model;

/**
 * Everything the server needs from one loaded model: its forward pass, tokenizer and chat template, the name shown
 * in {@code /v1/models}, and what to close on shutdown.
 */
public record ServedModel(String name, StepModel model, TokenCodec codec, ChatRenderer chat, AutoCloseable resources)
        implements AutoCloseable {

    @Override
    public void close() {
        if (resources != null) {
            try {
                resources.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing " + name + " failed: " + e.getMessage(), e);
            }
        }
    }
}
