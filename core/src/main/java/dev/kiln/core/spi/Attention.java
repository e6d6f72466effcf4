package dev.kiln.core.spi;

/**
 * The shape and scaling of grouped-query causal attention in one block: query head {@code h} reads KV head
 * {@code h / (headCount / headCountKv)}; scores are {@code scale · q·k} (scale = 1/√keyLength), times the
 * llama-4/mistral3 temperature {@code t(p) = 1 + temperatureScale · ln(1 + floor(p / temperatureLength))} of the
 * query's position p when {@code temperatureScale != 0} (equivalent to scaling the query after RoPE).
 */
public record Attention(int headCount, int headCountKv, int keyLength, int valueLength, float scale,
                        float temperatureScale, int temperatureLength) {

    public Attention {
        if (headCount <= 0 || headCountKv <= 0 || headCount % headCountKv != 0) {
            throw new IllegalArgumentException("attention: " + headCount + " heads over " + headCountKv + " KV heads");
        }
        if (temperatureScale != 0 && temperatureLength <= 0) {
            throw new IllegalArgumentException("attention temperature needs a floor length > 0");
        }
    }

    /** The attention of block {@code layer} of a model: its head counts and lengths, 1/sqrt(keyLength), the temperature. */
    public static Attention of(dev.kiln.core.arch.HyperParams hp, int layer) {
        return new Attention(hp.headCount(layer), hp.headCountKv(layer), hp.keyLength(), hp.valueLength(),
                (float) (1.0 / Math.sqrt(hp.keyLength())), hp.attentionTemperatureScale(), hp.attentionTemperatureLength());
    }

    /** The query temperature at {@code position} (1 when the feature is off). */
    public float temperature(int position) {
        if (temperatureScale == 0) {
            return 1f;
        }
        return (float) (1.0 + temperatureScale * Math.log(1.0 + Math.floor((double) position / temperatureLength)));
    }

    /** Query heads per KV head. */
    public int groupSize() {
        return headCount / headCountKv;
    }
}
