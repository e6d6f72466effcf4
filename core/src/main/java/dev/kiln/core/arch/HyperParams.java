package dev.kiln.core.arch;

import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The hyperparameters of a model, read once from the {@code <arch>.*} keys (llama.cpp's {@code llm_load_hparams})
 * and validated: a 4-block toy and a 40-block 24B model go through the same code. Head counts and feed-forward
 * lengths may be per-layer arrays in GGUF; they are kept per layer here ({@link #headCount(int)} etc.).
 *
 * <p>Defaults follow llama.cpp: key/value length = embedding length / head count; rope dimension count = key
 * length; rope base 10000; no scaling; YaRN betas 32/1. {@code rope.scaling.yarn_attn_factor} is not read (llama.cpp
 * ignores it too). {@code attentionTemperatureScale} is 0 unless the architecture has {@link Feature#ATTENTION_TEMPERATURE};
 * its floor length is the original (pre-YaRN) context length.
 *
 * @param vocabSize  {@code <arch>.vocab_size}, else the tokenizer's token count, else the embedding table's rows
 * @param tiedOutput true when the file has no {@code output.weight}: logits use {@code token_embd.weight}
 */
public record HyperParams(Architecture architecture, int blockCount, int embeddingLength, int[] feedForwardLengths,
                          int[] headCounts, int[] headCountsKv, int keyLength, int valueLength, int contextLength,
                          int ropeDimensionCount, float ropeFreqBase, RopeScaling ropeScaling,
                          float attentionTemperatureScale, int attentionTemperatureLength, float rmsEpsilon,
                          int vocabSize, boolean tiedOutput) {

    public HyperParams {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(ropeScaling, "ropeScaling");
        feedForwardLengths = feedForwardLengths.clone();
        headCounts = headCounts.clone();
        headCountsKv = headCountsKv.clone();
        List<String> problems = validate(blockCount, embeddingLength, feedForwardLengths, headCounts, headCountsKv,
                keyLength, valueLength, contextLength, ropeDimensionCount, ropeFreqBase, ropeScaling, rmsEpsilon, vocabSize);
        if (!problems.isEmpty()) {
            throw new UnsupportedModelException("hyperparameters of a '" + architecture.ggufName() + "' model", problems);
        }
    }

    /** Reads and validates the hyperparameters of an open GGUF file. */
    public static HyperParams read(GgufFile gguf) {
        Metadata md = gguf.metadata();
        if (!md.contains("general.architecture")) {
            throw new UnsupportedModelException("metadata key 'general.architecture' is missing: not a model file");
        }
        Architecture arch = Architectures.forName(md.getString("general.architecture"));
        boolean tied = !gguf.hasTensor(TensorRole.OUTPUT.tensorName());
        int vocab = md.findInt(HParam.VOCAB_SIZE.key(arch))
                .orElseGet(() -> md.findArray("tokenizer.ggml.tokens").map(a -> (int) a.size())
                        .orElseGet(() -> gguf.findTensor(TensorRole.TOKEN_EMBD.tensorName())
                                .map(t -> (int) t.dim(1)).orElse(0)));
        return read(md, arch, tied, vocab);
    }

    /** Reads the {@code <arch>.*} keys of {@code md}; {@code tiedOutput} and {@code vocabSize} come from the tensors. */
    public static HyperParams read(Metadata md, Architecture arch, boolean tiedOutput, int vocabSize) {
        String a = arch.ggufName();
        List<String> problems = new ArrayList<>();
        int blocks = required(md, HParam.BLOCK_COUNT.key(a), problems);
        int embd = required(md, HParam.EMBEDDING_LENGTH.key(a), problems);
        int ctx = required(md, HParam.CONTEXT_LENGTH.key(a), problems);
        int[] ff = perLayer(md, HParam.FEED_FORWARD_LENGTH.key(a), blocks, null, problems);
        int[] heads = perLayer(md, HParam.HEAD_COUNT.key(a), blocks, null, problems);
        int[] headsKv = perLayer(md, HParam.HEAD_COUNT_KV.key(a), blocks, heads, problems);
        if (!problems.isEmpty()) {
            throw new UnsupportedModelException("hyperparameters of a '" + a + "' model", problems);
        }
        int defaultHeadLength = heads.length > 0 && heads[0] > 0 ? embd / heads[0] : 0;
        int keyLength = md.findInt(HParam.KEY_LENGTH.key(a)).orElse(defaultHeadLength);
        int valueLength = md.findInt(HParam.VALUE_LENGTH.key(a)).orElse(defaultHeadLength);
        int ropeDims = md.findInt(HParam.ROPE_DIMENSION_COUNT.key(a)).orElse(keyLength);
        float base = md.findFloat(HParam.ROPE_FREQ_BASE.key(a)).orElse(10000f);
        float eps = md.findFloat(HParam.LAYER_NORM_RMS_EPSILON.key(a)).orElse(1e-5f);
        RopeScaling scaling = ropeScaling(md, arch, ctx);
        float temperatureScale = 0f;
        int temperatureLength = 0;
        if (arch.has(Feature.ATTENTION_TEMPERATURE)) {
            temperatureScale = md.findFloat(HParam.ATTENTION_TEMPERATURE_SCALE.key(a)).orElse(0f);
            temperatureLength = scaling.originalContextLength() > 0 ? scaling.originalContextLength() : ctx;
        }
        return new HyperParams(arch, blocks, embd, ff, heads, headsKv, keyLength, valueLength, ctx, ropeDims, base,
                scaling, temperatureScale, temperatureLength, eps, vocabSize, tiedOutput);
    }

    private static RopeScaling ropeScaling(Metadata md, Architecture arch, int contextLength) {
        String a = arch.ggufName();
        float factor = md.findFloat(HParam.ROPE_SCALING_FACTOR.key(a))
                .orElseGet(() -> md.findFloat(HParam.ROPE_SCALE_LINEAR.key(a)).orElse(1f));
        String typeName = md.findString(HParam.ROPE_SCALING_TYPE.key(a)).orElse(factor != 1f ? "linear" : "none");
        RopeScalingType type = RopeScalingType.of(typeName);
        if (type == RopeScalingType.NONE) {
            return RopeScaling.NONE;
        }
        int original = md.findInt(HParam.ROPE_SCALING_ORIGINAL_CONTEXT_LENGTH.key(a)).orElse(contextLength);
        float ext = md.findFloat(HParam.ROPE_SCALING_YARN_EXT_FACTOR.key(a)).orElse(type == RopeScalingType.YARN ? 1f : 0f);
        float attnFactor = md.findFloat(HParam.ROPE_SCALING_ATTN_FACTOR.key(a)).orElse(1f);
        float betaFast = md.findFloat(HParam.ROPE_SCALING_YARN_BETA_FAST.key(a)).orElse(32f);
        float betaSlow = md.findFloat(HParam.ROPE_SCALING_YARN_BETA_SLOW.key(a)).orElse(1f);
        float logMultiplier = arch.has(Feature.YARN_LOG_MULTIPLIER)
                ? md.findFloat(HParam.ROPE_SCALING_YARN_LOG_MULTIPLIER.key(a)).orElse(0f) : 0f;
        return new RopeScaling(type, factor, original, ext, attnFactor, betaFast, betaSlow, logMultiplier);
    }

    private static int required(Metadata md, String key, List<String> problems) {
        if (!md.contains(key)) {
            problems.add("metadata key '" + key + "' is missing");
            return 0;
        }
        MetadataValue v = md.get(key);
        if (v instanceof MetadataValue.ArrayValue) {
            problems.add("metadata key '" + key + "': expected an integer, found an array");
            return 0;
        }
        return md.getInt(key);
    }

    /** A scalar or a per-layer array; absent -> {@code fallback} (or a problem when there is none). */
    private static int[] perLayer(Metadata md, String key, int blocks, int[] fallback, List<String> problems) {
        if (!md.contains(key)) {
            if (fallback == null) {
                problems.add("metadata key '" + key + "' is missing");
                return new int[Math.max(blocks, 0)];
            }
            return fallback.clone();
        }
        if (md.get(key) instanceof MetadataValue.ArrayValue) {
            int[] values = md.getInts(key);
            if (values.length != blocks) {
                problems.add("metadata key '" + key + "': expected " + blocks + " per-layer values, found " + values.length);
                return new int[Math.max(blocks, 0)];
            }
            return values;
        }
        int[] values = new int[Math.max(blocks, 0)];
        Arrays.fill(values, md.getInt(key));
        return values;
    }

    private static List<String> validate(int blocks, int embd, int[] ff, int[] heads, int[] headsKv, int keyLength,
                                         int valueLength, int ctx, int ropeDims, float base, RopeScaling scaling,
                                         float eps, int vocab) {
        List<String> p = new ArrayList<>();
        if (blocks <= 0) p.add("block_count: expected > 0, found " + blocks);
        if (embd <= 0) p.add("embedding_length: expected > 0, found " + embd);
        if (ctx <= 0) p.add("context_length: expected > 0, found " + ctx);
        if (ff.length != Math.max(blocks, 0) || heads.length != ff.length || headsKv.length != ff.length) {
            p.add("per-layer arrays: expected " + blocks + " values each");
        } else {
            for (int l = 0; l < blocks; l++) {
                if (ff[l] <= 0) p.add("feed_forward_length of block " + l + ": expected > 0, found " + ff[l]);
                if (heads[l] <= 0) p.add("head_count of block " + l + ": expected > 0, found " + heads[l]);
                if (headsKv[l] <= 0 || (heads[l] > 0 && heads[l] % headsKv[l] != 0)) {
                    p.add("head_count_kv of block " + l + ": expected a divisor of head_count " + heads[l] + ", found " + headsKv[l]);
                }
            }
        }
        if (keyLength <= 0 || keyLength % 2 != 0) p.add("key_length: expected an even number > 0, found " + keyLength);
        if (valueLength <= 0) p.add("value_length: expected > 0, found " + valueLength);
        if (ropeDims <= 0 || ropeDims % 2 != 0 || ropeDims > keyLength) {
            p.add("rope.dimension_count: expected an even number in 2.." + keyLength + ", found " + ropeDims);
        }
        if (!(base > 0) || !Float.isFinite(base)) p.add("rope.freq_base: expected > 0, found " + base);
        if (!(scaling.factor() > 0) || !Float.isFinite(scaling.factor())) {
            p.add("rope.scaling.factor: expected > 0, found " + scaling.factor());
        }
        if (scaling.type() == RopeScalingType.YARN && scaling.originalContextLength() <= 0) {
            p.add("rope.scaling.original_context_length: expected > 0, found " + scaling.originalContextLength());
        }
        if (!(eps > 0) || !Float.isFinite(eps)) p.add("attention.layer_norm_rms_epsilon: expected > 0, found " + eps);
        if (vocab <= 0) p.add("vocab_size: expected > 0, found " + vocab);
        return p;
    }

    public int headCount(int layer) {
        return headCounts[layer];
    }

    public int headCountKv(int layer) {
        return headCountsKv[layer];
    }

    public int feedForwardLength(int layer) {
        return feedForwardLengths[layer];
    }

    /** Width of the query projection output in block {@code layer}: headCount · keyLength. */
    public int queryLength(int layer) {
        return headCounts[layer] * keyLength;
    }

    /** Width of one token's keys in block {@code layer}: headCountKv · keyLength. */
    public int keyWidth(int layer) {
        return headCountsKv[layer] * keyLength;
    }

    /** Width of one token's values in block {@code layer}: headCountKv · valueLength. */
    public int valueWidth(int layer) {
        return headCountsKv[layer] * valueLength;
    }

    public int maxHeadCount() {
        return Arrays.stream(headCounts).max().orElse(0);
    }

    public int maxFeedForwardLength() {
        return Arrays.stream(feedForwardLengths).max().orElse(0);
    }

    public int maxKeyWidth() {
        return Arrays.stream(headCountsKv).max().orElse(0) * keyLength;
    }

    public int maxValueWidth() {
        return Arrays.stream(headCountsKv).max().orElse(0) * valueLength;
    }

    @Override
    public int[] headCounts() {
        return headCounts.clone();
    }

    @Override
    public int[] headCountsKv() {
        return headCountsKv.clone();
    }

    @Override
    public int[] feedForwardLengths() {
        return feedForwardLengths.clone();
    }

    /** One scalar when all layers agree, else the array (for display). */
    private static String perLayerText(int[] values) {
        return Arrays.stream(values).allMatch(v -> v == values[0]) ? Integer.toString(values[0]) : Arrays.toString(values);
    }

    /**
     * Name-value pairs for {@code kiln inspect} and logs, named by their GGUF keys without the architecture prefix
     * ({@code attention.head_count}), plus the derived {@code rope.pairing} and {@code output}.
     */
    public List<String[]> describe() {
        List<String[]> rows = new ArrayList<>();
        java.util.function.BiConsumer<String, Object> row = (k, v) -> rows.add(new String[] {k, String.valueOf(v)});
        row.accept("block_count", blockCount);
        row.accept("context_length", contextLength);
        row.accept("embedding_length", embeddingLength);
        row.accept("feed_forward_length", perLayerText(feedForwardLengths));
        row.accept("attention.head_count", perLayerText(headCounts));
        row.accept("attention.head_count_kv", perLayerText(headCountsKv));
        row.accept("attention.key_length", keyLength);
        row.accept("attention.value_length", valueLength);
        row.accept("attention.layer_norm_rms_epsilon", rmsEpsilon);
        if (attentionTemperatureScale != 0f) {
            row.accept("attention.temperature_scale", attentionTemperatureScale);
            row.accept("attention.temperature_length", attentionTemperatureLength);
        }
        row.accept("rope.dimension_count", ropeDimensionCount);
        row.accept("rope.freq_base", ropeFreqBase);
        row.accept("rope.pairing", architecture.ropePairing().name().toLowerCase(java.util.Locale.ROOT));
        row.accept("rope.scaling.type", ropeScaling.type().name().toLowerCase(java.util.Locale.ROOT));
        if (ropeScaling.type() != RopeScalingType.NONE) {
            row.accept("rope.scaling.factor", ropeScaling.factor());
            row.accept("rope.scaling.original_context_length", ropeScaling.originalContextLength());
            row.accept("rope.scaling.attn_factor", ropeScaling.attnFactor());
        }
        if (ropeScaling.type() == RopeScalingType.YARN) {
            row.accept("rope.scaling.yarn_ext_factor", ropeScaling.extFactor());
            row.accept("rope.scaling.yarn_beta_fast", ropeScaling.betaFast());
            row.accept("rope.scaling.yarn_beta_slow", ropeScaling.betaSlow());
            row.accept("rope.scaling.yarn_log_multiplier", ropeScaling.logMultiplier());
        }
        row.accept("vocab_size", vocabSize);
        row.accept("output", tiedOutput ? "tied to token_embd" : "output.weight");
        return rows;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HyperParams h && architecture.equals(h.architecture) && blockCount == h.blockCount
                && embeddingLength == h.embeddingLength && Arrays.equals(feedForwardLengths, h.feedForwardLengths)
                && Arrays.equals(headCounts, h.headCounts) && Arrays.equals(headCountsKv, h.headCountsKv)
                && keyLength == h.keyLength && valueLength == h.valueLength && contextLength == h.contextLength
                && ropeDimensionCount == h.ropeDimensionCount && ropeFreqBase == h.ropeFreqBase
                && ropeScaling.equals(h.ropeScaling) && attentionTemperatureScale == h.attentionTemperatureScale
                && attentionTemperatureLength == h.attentionTemperatureLength && rmsEpsilon == h.rmsEpsilon
                && vocabSize == h.vocabSize && tiedOutput == h.tiedOutput;
    }

    @Override
    public int hashCode() {
        return Objects.hash(architecture, blockCount, embeddingLength, Arrays.hashCode(headCounts), keyLength, vocabSize);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("HyperParams[");
        for (String[] row : describe()) {
            s.append(row[0]).append('=').append(row[1]).append(", ");
        }
        s.setLength(s.length() - 2);
        return s.append(']').toString();
    }
}
