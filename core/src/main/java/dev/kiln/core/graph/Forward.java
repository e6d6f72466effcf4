package dev.kiln.core.graph;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.spi.Attention;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.core.spi.Rope;
import dev.kiln.gguf.GgmlType;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The forward pass of a decoder-only transformer, written once for every supported architecture (the
 * architecture's features are plain branches), following llama.cpp's {@code llm_build_llama}/{@code _qwen2}/
 * {@code _qwen3}:
 * <pre>
 * x = token_embd[token]
 * per block:  h = rmsnorm(x)·attn_norm;  q,k,v = Wq h (+bq), Wk h (+bk), Wv h (+bv)
 *             qwen3: q,k = rmsnorm_per_head(q,k)·attn_{q,k}_norm;   RoPE(q, k) at each row's position
 *             store k, v in the cache;  a = softmax(scale·t(p)·q·kᵀ, causal, GQA)·v;  x += Wo a
 *             h = rmsnorm(x)·ffn_norm;  x += Wdown(silu(Wgate h) ⊙ Wup h)
 * logits = Wout · rmsnorm(x)·output_norm   (only rows that want logits; Wout = token_embd when tied)
 * </pre>
 * A {@link Batch} may mix sequences; batches larger than the engine's row capacity are processed in chunks (one
 * pass over the weights per chunk). One forward pass runs at a time ({@code forward} is synchronized); the KV
 * caches are separate objects, so several sessions can share one {@code Forward}.
 */
public final class Forward implements AutoCloseable {
    private final HyperParams hp;
    private final Rope rope;
    private final Attention[] attention; // [blockCount]
    private final LayerScheduler scheduler;
    /** Attached by {@link #profile}, else null. */
    private OpProfile profile;
    /** While a profile is attached: each backend's ops, timed into it. */
    private final Map<Backend, Ops> profiledOps = new IdentityHashMap<>();

    /**
     * Uploads the weights of each slot to its backend and allocates activations for batches of {@code batchRows}.
     *
     * @param accelerator the backend of the offloaded slots, or null when {@code placement} offloads nothing
     */
    public Forward(GgufModel model, Placement placement, Backend cpu, Backend accelerator, int batchRows) {
        if (batchRows < 1) {
            throw new IllegalArgumentException("batch rows: expected >= 1, found " + batchRows);
        }
        this.hp = model.hyperParams();
        this.rope = Rope.of(hp);
        this.attention = new Attention[hp.blockCount()];
        for (int l = 0; l < hp.blockCount(); l++) {
            attention[l] = Attention.of(hp, l);
        }
        this.scheduler = new LayerScheduler(hp, model.weights(), placement, cpu, accelerator, batchRows);
    }

    public HyperParams hyperParams() {
        return hp;
    }

    /** Rows per chunk. */
    public int batchRows() {
        return scheduler.rows();
    }

    /** A KV cache with each block's buffers on that block's backend. */
    public KvCache newCache(GgmlType type, int sequences, int capacity) {
        return new KvCache(hp, type, sequences, capacity, scheduler::backendOfSlot);
    }

    /**
     * Runs {@code batch}, storing its K/V in {@code cache}, and writes the logits of the rows that want them to
     * {@code logits} [batch.logitCount()][vocab] (row order).
     *
     * @throws dev.kiln.core.kv.ContextFullException when a sequence would exceed the cache's capacity (nothing is computed)
     */
    public synchronized void forward(KvCache cache, Batch batch, float[] logits) {
        cache.checkAppend(batch);
        if (logits.length < (long) batch.logitCount() * hp.vocabSize()) {
            throw new IllegalArgumentException("logits: need " + batch.logitCount() + " x " + hp.vocabSize()
                    + " floats, found " + logits.length);
        }
        int logitBase = 0;
        for (int from = 0; from < batch.size(); from += batchRows()) {
            Batch chunk = batch.slice(from, Math.min(batchRows(), batch.size() - from));
            run(cache, chunk, logits, logitBase);
            logitBase += chunk.logitCount();
        }
        cache.commit(batch);
    }

    /**
     * Attaches {@code p} (null detaches): every op of the passes that follow is timed into it, until detached. The
     * results are those of an unprofiled pass; a GPU backend's ops are serialised (see {@link OpProfile}).
     */
    public synchronized void profile(OpProfile p) {
        profile = p;
        profiledOps.clear();
    }

    /** {@code backend}'s ops, timed while a profile is attached. */
    private Ops ops(Backend backend) {
        if (profile == null) {
            return backend.ops();
        }
        return profiledOps.computeIfAbsent(backend, b -> new ProfiledOps(b, profile, scheduler::roleOf));
    }

    private void run(KvCache cache, Batch batch, float[] logits, int logitBase) {
        long start = System.nanoTime();
        int rows = batch.size();
        Activations a = scheduler.startOnCpu();
        ops(scheduler.cpu()).embed(a.x, scheduler.tokenEmbd(), batch);
        for (int l = 0; l < hp.blockCount(); l++) {
            a = scheduler.enter(l, rows);
            block(ops(scheduler.backendOfSlot(l)), a, scheduler.layer(l), cache, batch, l);
        }
        if (batch.logitCount() > 0) {
            int slot = hp.blockCount();
            a = scheduler.enter(slot, rows);
            outputHead(scheduler.backendOfSlot(slot), a, batch, logits, logitBase);
        }
        if (profile != null) {
            profile.recordPass(System.nanoTime() - start);
        }
    }

    private void block(Ops ops, Activations a, DeviceLayer w, KvCache cache, Batch batch, int l) {
        int rows = batch.size();
        int dim = hp.embeddingLength();
        int heads = hp.headCount(l);
        int headsKv = hp.headCountKv(l);
        float eps = hp.rmsEpsilon();

        // attention: norm, Q/K/V projections
        ops.rmsNorm(a.xb, a.x, w.attnNorm(), rows, dim, eps);
        ops.matMuls(new DeviceTensor[] {a.q, a.k, a.v}, new DeviceTensor[] {w.attnQ(), w.attnK(), w.attnV()}, a.xb,
                rows);
        if (w.attnQBias() != null) {
            ops.addBias(a.q, w.attnQBias(), rows, hp.queryLength(l));
        }
        if (w.attnKBias() != null) {
            ops.addBias(a.k, w.attnKBias(), rows, hp.keyWidth(l));
        }
        if (w.attnVBias() != null) {
            ops.addBias(a.v, w.attnVBias(), rows, hp.valueWidth(l));
        }
        // qwen3: per-head RMSNorm of q and k, before RoPE
        if (w.attnQNorm() != null) {
            ops.rmsNorm(a.q, a.q, w.attnQNorm(), rows * heads, hp.keyLength(), eps);
        }
        if (w.attnKNorm() != null) {
            ops.rmsNorm(a.k, a.k, w.attnKNorm(), rows * headsKv, hp.keyLength(), eps);
        }
        ops.rope(a.q, heads, hp.keyLength(), batch, rope);
        ops.rope(a.k, headsKv, hp.keyLength(), batch, rope);

        // causal GQA attention over the cache, then the output projection and residual
        ops.storeKv(cache.layer(l), a.k, a.v, batch);
        ops.attention(a.attn, a.q, cache.layer(l), batch, attention[l]);
        ops.matMul(a.xb, w.attnOutput(), a.attn, rows);
        ops.add(a.x, a.xb, rows * dim);

        // ffn: SwiGLU and residual
        ops.rmsNorm(a.xb, a.x, w.ffnNorm(), rows, dim, eps);
        ops.matMuls(new DeviceTensor[] {a.gate, a.up}, new DeviceTensor[] {w.ffnGate(), w.ffnUp()}, a.xb, rows);
        ops.swiGlu(a.gate, a.up, rows * hp.feedForwardLength(l));
        ops.matMul(a.xb, w.ffnDown(), a.gate, rows);
        ops.add(a.x, a.xb, rows * dim);
    }

    /** Final norm and output matrix for the rows that want logits, {@code a.logitRows} rows at a time. */
    private void outputHead(Backend backend, Activations a, Batch batch, float[] logits, int logitBase) {
        Ops ops = ops(backend);
        int dim = hp.embeddingLength();
        int vocab = hp.vocabSize();
        int count = batch.logitCount();
        DeviceTensor norm = scheduler.outputNorm();
        DeviceTensor output = scheduler.output();
        for (int from = 0; from < count; from += a.logitRows) {
            int n = Math.min(a.logitRows, count - from);
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = batch.logitRow(from + i);
            }
            ops.gatherRows(a.xb, a.x, rows, n, dim);
            ops.rmsNorm(a.xb, a.xb, norm, n, dim, hp.rmsEpsilon());
            ops.matMul(a.logits, output, a.xb, n);
            backend.toHost(a.logits, logits, (logitBase + from) * vocab, n * vocab);
        }
    }

    /** Frees the activations; uploaded weights are freed with their backends. */
    @Override
    public void close() {
        scheduler.close();
    }
}
