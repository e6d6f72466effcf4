package dev.kiln.core.synth;

import dev.kiln.core.arch.TensorRole;
import dev.kiln.gguf.GgmlType;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The tensors of a model file: names, ggml shapes, types, in the order llama-quantize writes them (its
 * {@code weight_name_comparer}: tensors outside the blocks first, then block by block, names in byte order
 * within each group).
 */
public final class TensorPlan {

    /** One tensor of the plan. Shape in ggml order ({@code shape[0]} = row length). */
    public record Entry(String name, TensorRole role, int layer, long[] shape, GgmlType type) {
        public long elementCount() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        public long sizeBytes() {
            return type.byteSize(elementCount());
        }
    }

    private TensorPlan() {
    }

    /** Every tensor of {@code shape} with the types of {@code mix}. */
    public static List<Entry> of(ModelShape shape, QuantMix mix) {
        long d = shape.embeddingLength();
        long q = (long) shape.headCount() * shape.headDim();
        long kv = (long) shape.headCountKv() * shape.headDim();
        long ff = shape.feedForwardLength();
        long vocab = shape.vocabSize();
        List<Entry> out = new ArrayList<>();
        add(out, shape, mix, TensorRole.TOKEN_EMBD, -1, d, vocab);
        add(out, shape, mix, TensorRole.OUTPUT_NORM, -1, d);
        if (!shape.tiedOutput()) {
            add(out, shape, mix, TensorRole.OUTPUT, -1, d, vocab);
        }
        for (int i = 0; i < shape.blockCount(); i++) {
            add(out, shape, mix, TensorRole.ATTN_NORM, i, d);
            add(out, shape, mix, TensorRole.ATTN_Q, i, d, q);
            add(out, shape, mix, TensorRole.ATTN_K, i, d, kv);
            add(out, shape, mix, TensorRole.ATTN_V, i, d, kv);
            add(out, shape, mix, TensorRole.ATTN_OUTPUT, i, q, d);
            if (shape.hasQkNorm()) {
                add(out, shape, mix, TensorRole.ATTN_Q_NORM, i, shape.headDim());
                add(out, shape, mix, TensorRole.ATTN_K_NORM, i, shape.headDim());
            }
            add(out, shape, mix, TensorRole.FFN_NORM, i, d);
            add(out, shape, mix, TensorRole.FFN_GATE, i, d, ff);
            add(out, shape, mix, TensorRole.FFN_UP, i, d, ff);
            add(out, shape, mix, TensorRole.FFN_DOWN, i, ff, d);
        }
        out.sort(Comparator.comparingInt(Entry::layer).thenComparing(Entry::name));
        return List.copyOf(out);
    }

    private static void add(List<Entry> out, ModelShape shape, QuantMix mix, TensorRole role, int layer,
                            long... dims) {
        GgmlType type = mix.typeOf(role, layer, dims[0], shape);
        out.add(new Entry(role.tensorName(layer), role, layer, dims, type));
    }

    /** Parameters (elements) of the plan. */
    public static long parameterCount(List<Entry> plan) {
        return plan.stream().mapToLong(Entry::elementCount).sum();
    }

    /** Bytes of tensor data, each tensor aligned to {@code alignment}. */
    public static long dataBytes(List<Entry> plan, long alignment) {
        long offset = 0;
        for (Entry e : plan) {
            offset = (offset + alignment - 1) / alignment * alignment;
            offset += e.sizeBytes();
        }
        return offset;
    }
}
