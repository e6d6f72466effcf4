package dev.kiln.core.arch;

import java.util.Locale;

/** {@code <arch>.rope.scaling.type}: how positions beyond the training context are handled (llama.cpp's LLAMA_ROPE_SCALING_TYPE). */
public enum RopeScalingType {
    NONE,
    LINEAR,
    YARN;

    /** Parses the GGUF value ("none", "linear", "yarn"); anything else is an unsupported model. */
    public static RopeScalingType of(String ggufValue) {
        return switch (ggufValue.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "linear" -> LINEAR;
            case "yarn" -> YARN;
            default -> throw new UnsupportedModelException("rope scaling type '" + ggufValue
                    + "' is not supported (supported: none, linear, yarn)");
        };
    }
}
