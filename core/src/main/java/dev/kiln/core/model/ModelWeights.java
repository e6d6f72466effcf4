package dev.kiln.core.model;

import dev.kiln.gguf.TensorData;

import java.util.List;

/**
 * All tensors of a model, resolved and shape-checked by {@link ModelLoader}.
 *
 * @param tokenEmbd  [dim, vocab]: row t is token t's embedding
 * @param layers     one per block
 * @param outputNorm F32 [dim]
 * @param output     [dim, vocab]; the same tensor as {@code tokenEmbd} when the output is tied
 */
public record ModelWeights(TensorData tokenEmbd, List<LayerWeights> layers, TensorData outputNorm, TensorData output) {

    public ModelWeights {
        layers = List.copyOf(layers);
    }

    public boolean tiedOutput() {
        return output == tokenEmbd;
    }

    public LayerWeights layer(int l) {
        return layers.get(l);
    }

    /** Bytes of the output head (final norm + output matrix). */
    public long outputSizeBytes() {
        return outputNorm.info().sizeBytes() + output.info().sizeBytes();
    }
}
