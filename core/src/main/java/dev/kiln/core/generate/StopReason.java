package dev.kiln.core.generate;

/** Why generation ended. */
public enum StopReason {
    /** The model produced an end-of-generation token of its vocabulary (EOS, EOT, {@code <|im_end|>}, ...). */
    END_OF_GENERATION,
    /** The token budget ({@code -n}) was reached. */
    MAX_TOKENS,
    /** The sequence filled the context ({@code --ctx-size}). */
    CONTEXT_FULL,
    /** The listener asked to stop. */
    STOPPED
}
