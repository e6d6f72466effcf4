package dev.kiln.core.synth;

import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;
import dev.kiln.gguf.MetadataValue.FloatValue;
import dev.kiln.gguf.MetadataValue.IntValue;
import dev.kiln.gguf.ValueType;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The hyperparameters that decide a model file's tensors and architecture metadata.
 *
 * @param name               the table's name for the shape ({@code mistral-7b-v0.3})
 * @param architecture       {@code general.architecture}: {@code llama}, {@code mistral3} or {@code qwen3}
 * @param displayName        {@code general.name}
 * @param blockCount         {@code <arch>.block_count}
 * @param embeddingLength    {@code <arch>.embedding_length} (n_embd)
 * @param feedForwardLength  {@code <arch>.feed_forward_length} (n_ff)
 * @param headCount          {@code <arch>.attention.head_count}
 * @param headCountKv        {@code <arch>.attention.head_count_kv}
 * @param headDim            per-head dimension ({@code attention.key_length} = {@code value_length}; the rotary
 *                           dimension too)
 * @param vocabSize          tokens in the vocabulary (rows of {@code token_embd})
 * @param contextLength      {@code <arch>.context_length}
 * @param ropeFreqBase       {@code <arch>.rope.freq_base}
 * @param rmsEpsilon         {@code <arch>.attention.layer_norm_rms_epsilon}
 * @param tiedOutput         true when there is no {@code output.weight} (the embedding is reused)
 * @param vocab              the tokenizer family
 * @param extraMetadata      further architecture keys, relative to {@code <arch>.} (e.g. {@code rope.scaling.type}),
 *                           or absolute when they start with {@code general.}
 */
public record ModelShape(String name, String architecture, String displayName,
                         int blockCount, int embeddingLength, int feedForwardLength,
                         int headCount, int headCountKv, int headDim,
                         int vocabSize, int contextLength, float ropeFreqBase, float rmsEpsilon,
                         boolean tiedOutput, VocabKind vocab, Map<String, MetadataValue> extraMetadata) {

    public ModelShape {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(vocab, "vocab");
        positive("block_count", blockCount);
        positive("embedding_length", embeddingLength);
        positive("feed_forward_length", feedForwardLength);
        positive("attention.head_count", headCount);
        positive("attention.head_count_kv", headCountKv);
        positive("attention.key_length", headDim);
        positive("vocab_size", vocabSize);
        positive("context_length", contextLength);
        if (headCount % headCountKv != 0) {
            throw new IllegalArgumentException(name + ": head_count " + headCount
                    + " is not a multiple of head_count_kv " + headCountKv);
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException(name + ": head dimension " + headDim + " must be even (RoPE pairs)");
        }
        if (!(ropeFreqBase > 0) || !(rmsEpsilon > 0)) {
            throw new IllegalArgumentException(name + ": rope.freq_base and layer_norm_rms_epsilon must be > 0");
        }
        extraMetadata = Collections.unmodifiableMap(new LinkedHashMap<>(extraMetadata));
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(key + " must be > 0, got " + value);
        }
    }

    /** The architecture keys {@link #of} reads into fields; the others go to {@link #extraMetadata}. */
    private static final java.util.Set<String> STRUCTURAL = java.util.Set.of("vocab_size", "context_length",
            "embedding_length", "block_count", "feed_forward_length", "attention.head_count",
            "attention.head_count_kv", "rope.freq_base", "attention.layer_norm_rms_epsilon", "rope.dimension_count",
            "attention.key_length", "attention.value_length");

    /**
     * The shape of an existing model file (e.g. to make a bigger or smaller file like it).
     *
     * @throws IllegalArgumentException naming the missing key, or an unknown tokenizer
     */
    public static ModelShape of(String name, dev.kiln.gguf.GgufFile file) {
        Metadata md = file.metadata();
        String arch = md.getString("general.architecture");
        String a = arch + ".";
        int nEmbd = md.getInt(a + "embedding_length");
        int nHead = md.getInt(a + "attention.head_count");
        int hd = md.findInt(a + "attention.key_length")
                .orElse(md.findInt(a + "rope.dimension_count").orElse(nEmbd / nHead));
        int nVocab = md.findArray("tokenizer.ggml.tokens").map(MetadataValue.ArrayValue::size)
                .orElseGet(() -> md.getInt(a + "vocab_size"));
        String pre = md.findString("tokenizer.ggml.pre").orElse("default");
        VocabKind kind = switch (md.findString("tokenizer.ggml.model").orElse("llama")) {
            case "llama" -> VocabKind.LLAMA_SPM;
            case "gpt2" -> pre.equals("tekken") ? VocabKind.TEKKEN : VocabKind.QWEN2;
            default -> throw new IllegalArgumentException("unsupported tokenizer.ggml.model in " + file.name());
        };
        Map<String, MetadataValue> extra = new LinkedHashMap<>();
        for (String key : md.keys()) {
            if (key.startsWith(a) && !STRUCTURAL.contains(key.substring(a.length()))) {
                extra.put(key.substring(a.length()), md.get(key));
            }
        }
        return new ModelShape(name, arch, md.findString("general.name").orElse(name),
                md.getInt(a + "block_count"), nEmbd, md.getInt(a + "feed_forward_length"), nHead,
                md.getInt(a + "attention.head_count_kv"), hd, nVocab, md.getInt(a + "context_length"),
                md.findFloat(a + "rope.freq_base").orElse(10000f),
                md.getFloat(a + "attention.layer_norm_rms_epsilon"),
                !file.hasTensor("output.weight"), kind, extra);
    }

    /** Query heads per KV head (llama.cpp's n_gqa). */
    public int gqa() {
        return headCount / headCountKv;
    }

    /** True for qwen3's per-head RMSNorm of q and k ({@code attn_q_norm}, {@code attn_k_norm}). */
    public boolean hasQkNorm() {
        return architecture.equals("qwen3");
    }

    /**
     * The architecture metadata llama.cpp's converter writes for this shape (keys with the {@code <arch>.}
     * prefix), in the converter's order, then {@link #extraMetadata}.
     */
    public Metadata architectureMetadata() {
        String a = architecture + ".";
        Metadata.Builder b = Metadata.builder();
        if (!architecture.equals("qwen3")) {
            b.putUint32(a + "vocab_size", vocabSize);
        }
        b.putUint32(a + "context_length", contextLength);
        b.putUint32(a + "embedding_length", embeddingLength);
        b.putUint32(a + "block_count", blockCount);
        b.putUint32(a + "feed_forward_length", feedForwardLength);
        b.putUint32(a + "attention.head_count", headCount);
        b.putUint32(a + "attention.head_count_kv", headCountKv);
        b.putFloat32(a + "rope.freq_base", ropeFreqBase);
        b.putFloat32(a + "attention.layer_norm_rms_epsilon", rmsEpsilon);
        if (!architecture.equals("qwen3")) {
            // llama's converter always writes the rotary dimension (= head_dim)
            b.putUint32(a + "rope.dimension_count", headDim);
        }
        if (architecture.equals("qwen3") || architecture.equals("mistral3")
                || headDim * headCount != embeddingLength) {
            b.putUint32(a + "attention.key_length", headDim);
            b.putUint32(a + "attention.value_length", headDim);
        }
        extraMetadata.forEach((k, v) -> {
            if (!k.startsWith("tokenizer.")) {
                b.set(k.startsWith("general.") ? k : a + k, v);
            }
        });
        return b.build();
    }

    /**
     * The {@code tokenizer.*} keys set explicitly ({@code --set tokenizer.chat_template=...}): written after the
     * vocabulary's own keys, so that they win over a generated or copied vocabulary.
     */
    public Map<String, MetadataValue> tokenizerOverrides() {
        Map<String, MetadataValue> out = new LinkedHashMap<>();
        extraMetadata.forEach((k, v) -> {
            if (k.startsWith("tokenizer.")) {
                out.put(k, v);
            }
        });
        return out;
    }

    /**
     * This shape with {@code key=value} overrides ({@code kiln synth --set}). Keys are GGUF key names with or
     * without the {@code <arch>.} prefix: {@code block_count}, {@code embedding_length},
     * {@code feed_forward_length}, {@code attention.head_count}, {@code attention.head_count_kv},
     * {@code attention.key_length} (head dimension), {@code vocab_size}, {@code context_length},
     * {@code rope.freq_base}, {@code attention.layer_norm_rms_epsilon}; any other key (e.g.
     * {@code rope.scaling.factor}, {@code general.name}) is written as metadata, typed like the value it
     * replaces, else as an integer (uint32), float (float32), boolean or string by its text.
     *
     * @throws IllegalArgumentException naming the key when a value does not parse or is out of range
     */
    public ModelShape with(Map<String, String> overrides) {
        int nLayer = blockCount;
        int nEmbd = embeddingLength;
        int nFf = feedForwardLength;
        int nHead = headCount;
        int nHeadKv = headCountKv;
        int hd = headDim;
        int nVocab = vocabSize;
        int nCtx = contextLength;
        float base = ropeFreqBase;
        float eps = rmsEpsilon;
        String display = displayName;
        Map<String, MetadataValue> extra = new LinkedHashMap<>(extraMetadata);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            String key = e.getKey().startsWith(architecture + ".")
                    ? e.getKey().substring(architecture.length() + 1) : e.getKey();
            String v = e.getValue().trim();
            try {
                switch (key) {
                    case "block_count" -> nLayer = Integer.parseInt(v);
                    case "embedding_length" -> nEmbd = Integer.parseInt(v);
                    case "feed_forward_length" -> nFf = Integer.parseInt(v);
                    case "attention.head_count" -> nHead = Integer.parseInt(v);
                    case "attention.head_count_kv" -> nHeadKv = Integer.parseInt(v);
                    case "attention.key_length", "attention.value_length", "rope.dimension_count" ->
                            hd = Integer.parseInt(v);
                    case "vocab_size" -> nVocab = Integer.parseInt(v);
                    case "context_length" -> nCtx = Integer.parseInt(v);
                    case "rope.freq_base" -> base = Float.parseFloat(v);
                    case "attention.layer_norm_rms_epsilon" -> eps = Float.parseFloat(v);
                    case "general.name" -> display = v;
                    case "general.architecture" -> throw new IllegalArgumentException(
                            "the architecture comes from the shape; choose another --shape");
                    default -> extra.put(key, parseLike(extra.get(key), v));
                }
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("--set " + e.getKey() + ": '" + v + "' is not a number");
            }
        }
        try {
            return new ModelShape(name, architecture, display, nLayer, nEmbd, nFf, nHead, nHeadKv, hd, nVocab, nCtx,
                    base, eps, tiedOutput, vocab, extra);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("--set: " + ex.getMessage(), ex);
        }
    }

    private static MetadataValue parseLike(MetadataValue previous, String v) {
        if (previous != null) {
            return switch (previous) {
                case IntValue i -> MetadataValue.of(i.type(), Long.parseLong(v));
                case FloatValue f -> new FloatValue(f.type(), Double.parseDouble(v));
                case MetadataValue.BoolValue b -> new MetadataValue.BoolValue(parseBoolean(v));
                default -> MetadataValue.of(v);
            };
        }
        if (v.matches("[0-9]+")) {
            return MetadataValue.of(ValueType.UINT32, Long.parseLong(v));
        }
        if (v.matches("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?")) {
            return new FloatValue(ValueType.FLOAT32, Float.parseFloat(v));
        }
        if (v.equals("true") || v.equals("false")) {
            return new MetadataValue.BoolValue(Boolean.parseBoolean(v));
        }
        return MetadataValue.of(v);
    }

    private static boolean parseBoolean(String v) {
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("'" + v + "' is not true or false");
        }
        return Boolean.parseBoolean(v);
    }
}
