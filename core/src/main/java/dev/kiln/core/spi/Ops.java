package dev.kiln.core.spi;

/**
 * The operations a decoder block needs, on one backend's tensors. All activations are F32, row-major
 * {@code [rows][width]}; {@code rows} is the number of batch rows being processed. Buffers may be larger than the
 * region an op touches: an op reads and writes only the first {@code rows · width} elements. In-place use is
 * allowed where documented. Calls are ordered on the backend (a device backend may queue them; {@link
 * Backend#toHost} and {@link Backend#synchronize()} wait).
 */
public interface Ops {

    /** {@code out[r] = table row batch.token(r)} for every row. out [rows][dim]; table [vocab][dim] (any supported type). */
    void embed(DeviceTensor out, DeviceTensor table, Batch batch);

    /**
     * RMSNorm of each of {@code rows} rows of {@code dim} elements, times {@code weight}:
     * {@code out = x / sqrt(mean(x²) + eps) · weight}. out, x [rows][dim] (out == x allowed); weight F32 [dim].
     * Also used per head (qwen3 q/k norm) with rows = tokens · heads, dim = keyLength.
     */
    void rmsNorm(DeviceTensor out, DeviceTensor x, DeviceTensor weight, int rows, int dim, float eps);

    /**
     * {@code out[t] = w · x[t]} for {@code tokens} rows. w [outputs][inputs] in GGUF order (ne0 = inputs);
     * x [tokens][inputs]; out [tokens][outputs]. tokens == 1 is decode.
     */
    void matMul(DeviceTensor out, DeviceTensor w, DeviceTensor x, int tokens);

    /**
     * {@code out[i] = w[i] · x} for each i, each as {@link #matMul}: several products of one input (q, k and v; gate
     * and up), every w[i] with x's width, which a backend may run as one (the CPU quantizes x once and splits the
     * rows of all the matrices across its threads in one dispatch). The outputs are distinct from each other and
     * from x. The default runs them one by one.
     */
    default void matMuls(DeviceTensor[] out, DeviceTensor[] w, DeviceTensor x, int tokens) {
        if (out.length != w.length) {
            throw new IllegalArgumentException("matMuls: expected as many outputs as matrices, found " + out.length
                    + " outputs and " + w.length + " matrices");
        }
        for (int i = 0; i < w.length; i++) {
            matMul(out[i], w[i], x, tokens);
        }
    }

    /** {@code x[r] += bias} for each of {@code rows} rows. x [rows][dim]; bias F32 [dim]. */
    void addBias(DeviceTensor x, DeviceTensor bias, int rows, int dim);

    /**
     * Rotates each head of each row in place at the row's position {@code batch.position(r)}.
     * x [rows][heads · headLength], rows = batch.size().
     */
    void rope(DeviceTensor x, int heads, int headLength, Batch batch, Rope rope);

    /**
     * Writes each row's key and value into the cache cell (sequence, cell) of the row, converting to the cache type.
     * k [rows][kv.keyWidth()]; v [rows][kv.valueWidth()]; rows = batch.size().
     */
    void storeKv(KvLayer kv, DeviceTensor k, DeviceTensor v, Batch batch);

    /**
     * Causal grouped-query attention: row r's query heads attend to cells {@code 0..batch.cell(r)} of sequence
     * {@code batch.sequence(r)} in {@code kv} (call {@link #storeKv} for this batch first); the temperature uses
     * {@code batch.position(r)}.
     * out [rows][headCount · valueLength]; q [rows][headCount · keyLength].
     */
    void attention(DeviceTensor out, DeviceTensor q, KvLayer kv, Batch batch, Attention attention);

    /** {@code gate = silu(gate) · up}, element-wise over {@code floats} elements. */
    void swiGlu(DeviceTensor gate, DeviceTensor up, int floats);

    /** {@code acc += x}, element-wise over {@code floats} elements (the residual). */
    void add(DeviceTensor acc, DeviceTensor x, int floats);

    /** {@code dst[i] = src[rows[i]]} for {@code i < count}, rows of {@code dim} floats (the rows whose logits are needed). */
    void gatherRows(DeviceTensor dst, DeviceTensor src, int[] rows, int count, int dim);
}
