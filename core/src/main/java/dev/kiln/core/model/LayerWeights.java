package dev.kiln.core.model;

import dev.kiln.gguf.TensorData;

/**
 * The tensors of one decoder block (GGUF shapes, ne0 first; q = headCount·keyLength, kw = headCountKv·keyLength,
 * vw = headCountKv·valueLength, ff = feedForwardLength). Optional roles are null when the architecture or file
 * lacks them.
 *
 * @param attnNorm   F32 [dim]
 * @param attnQ      [dim, q]
 * @param attnK      [dim, kw]
 * @param attnV      [dim, vw]
 * @param attnQBias  F32 [q] or null (qwen2)
 * @param attnKBias  F32 [kw] or null
 * @param attnVBias  F32 [vw] or null
 * @param attnQNorm  F32 [keyLength] or null (qwen3)
 * @param attnKNorm  F32 [keyLength] or null
 * @param attnOutput [headCount·valueLength, dim]
 * @param ffnNorm    F32 [dim]
 * @param ffnGate    [dim, ff]
 * @param ffnUp      [dim, ff]
 * @param ffnDown    [ff, dim]
 */
public record LayerWeights(TensorData attnNorm, TensorData attnQ, TensorData attnK, TensorData attnV,
                           TensorData attnQBias, TensorData attnKBias, TensorData attnVBias,
                           TensorData attnQNorm, TensorData attnKNorm, TensorData attnOutput,
                           TensorData ffnNorm, TensorData ffnGate, TensorData ffnUp, TensorData ffnDown) {

    /** Every non-null tensor, for size and type checks. */
    public java.util.List<TensorData> all() {
        java.util.List<TensorData> list = new java.util.ArrayList<>();
        for (TensorData t : new TensorData[] {attnNorm, attnQ, attnK, attnV, attnQBias, attnKBias, attnVBias,
                attnQNorm, attnKNorm, attnOutput, ffnNorm, ffnGate, ffnUp, ffnDown}) {
            if (t != null) {
                list.add(t);
            }
        }
        return list;
    }

    /** Bytes of all tensors of the block (what a device upload costs). */
    public long sizeBytes() {
        long n = 0;
        for (TensorData t : all()) {
            n += t.info().sizeBytes();
        }
        return n;
    }
}
