package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.UnsupportedModelException;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.GgufFormatException;

/**
 * What {@code kiln inspect} shows as hyperparameters: the validated {@link HyperParams} when Kiln can run the file,
 * otherwise the reason (the raw {@code <arch>.*} keys are shown instead, so vocabulary-only and unknown files still
 * inspect).
 */
record HyperParamsView(HyperParams validated, String problem) {

    static HyperParamsView of(GgufFile gguf) {
        try {
            return new HyperParamsView(HyperParams.read(gguf), null);
        } catch (UnsupportedModelException | GgufFormatException e) {
            return new HyperParamsView(null, e.getMessage());
        }
    }

    /** A number where the text is one, else the text. */
    static JsonNode jsonValue(String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        try {
            return f.numberNode(Long.parseLong(text));
        } catch (NumberFormatException notLong) {
            try {
                double d = Double.parseDouble(text);
                return Double.isFinite(d) ? f.numberNode(d) : f.textNode(text);
            } catch (NumberFormatException notNumber) {
                return f.textNode(text);
            }
        }
    }
}
