package dev.kiln.core.kv;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.KvLayer;
import dev.kiln.gguf.GgmlType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Keys and values of every block for {@code sequences} sequences of up to {@code capacity} cells each, allocated
 * once on each block's backend in F16 (default, as llama.cpp), F32 or Q8_0. Per sequence it tracks how many cells
 * are filled ({@link #position}); {@link #truncate} and {@link #clear} forget cells (the server's prefix reuse).
 * Not thread-safe: the owner of the cache serializes forward passes over it.
 */
public final class KvCache implements AutoCloseable {

    /** The cache types llama.cpp's {@code -ctk/-ctv} offers that Kiln supports. */
    public static final Set<GgmlType> TYPES = Set.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0);

    private final GgmlType type;
    private final int sequences;
    private final int capacity;
    private final List<KvLayer> layers;
    private final int[] filled; // [sequences] cells in use

    /**
     * @param backendOfLayer the backend block {@code l} runs on
     */
    public KvCache(HyperParams hp, GgmlType type, int sequences, int capacity, IntFunction<Backend> backendOfLayer) {
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("KV cache type " + type + " is not supported (supported: f32, f16, q8_0)");
        }
        if (sequences < 1 || capacity < 1) {
            throw new IllegalArgumentException("KV cache: expected >= 1 sequence and >= 1 cell, found " + sequences + " x " + capacity);
        }
        this.type = type;
        this.sequences = sequences;
        this.capacity = capacity;
        this.filled = new int[sequences];
        this.layers = new ArrayList<>(hp.blockCount());
        try {
            for (int l = 0; l < hp.blockCount(); l++) {
                Backend b = backendOfLayer.apply(l);
                int kw = hp.keyWidth(l);
                int vw = hp.valueWidth(l);
                if (kw % type.blockSize() != 0 || vw % type.blockSize() != 0) {
                    throw new IllegalArgumentException("KV cache type " + type + " needs K/V widths that are multiples of "
                            + type.blockSize() + ", found " + kw + "/" + vw + " in block " + l);
                }
                if (!b.supportsCache(type)) {
                    throw new IllegalArgumentException("backend " + b.name() + " cannot hold a " + type + " KV cache");
                }
                long cells = (long) sequences * capacity;
                DeviceTensor k = b.allocateCache(type, cells * kw);
                DeviceTensor v = b.allocateCache(type, cells * vw);
                layers.add(new KvLayer(k, v, type, sequences, capacity, kw, vw));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes of K plus V of block {@code layer} for {@code cells} cells (all sequences together) of {@code type}. */
    public static long bytesPerLayer(HyperParams hp, int layer, GgmlType type, long cells) {
        return type.byteSize(cells * hp.keyWidth(layer)) + type.byteSize(cells * hp.valueWidth(layer));
    }

    public KvLayer layer(int l) {
        return layers.get(l);
    }

    public GgmlType type() {
        return type;
    }

    public int sequences() {
        return sequences;
    }

    /** Cells per sequence (the context size). */
    public int capacity() {
        return capacity;
    }

    /** Cells filled in {@code sequence}: the next token's cell (and position, for a sequence started at 0). */
    public int position(int sequence) {
        return filled[sequence];
    }

    /** Forgets cells {@code cells..} of {@code sequence}. */
    public void truncate(int sequence, int cells) {
        if (cells < 0 || cells > filled[sequence]) {
            throw new IllegalArgumentException("truncate sequence " + sequence + " to " + cells + " cells: it holds " + filled[sequence]);
        }
        filled[sequence] = cells;
    }

    public void clear(int sequence) {
        filled[sequence] = 0;
    }

    public void clearAll() {
        Arrays.fill(filled, 0);
    }

    /**
     * Checks that {@code batch} continues each of its sequences (cells {@code position(seq), position(seq)+1, ...}
     * in row order) within the capacity; throws {@link ContextFullException} or {@link IllegalArgumentException}.
     */
    public void checkAppend(Batch batch) {
        int[] next = filled.clone();
        for (int r = 0; r < batch.size(); r++) {
            int s = batch.sequence(r);
            if (s >= sequences) {
                throw new IllegalArgumentException("batch row " + r + ": sequence " + s + " of a cache with " + sequences);
            }
            if (batch.cell(r) != next[s]) {
                throw new IllegalArgumentException("batch row " + r + ": cell " + batch.cell(r) + " of sequence " + s
                        + ", expected the next free cell " + next[s]);
            }
            if (next[s] >= capacity) {
                throw new ContextFullException(capacity);
            }
            next[s]++;
        }
    }

    /** Records that {@code batch} (checked by {@link #checkAppend}) was stored. */
    public void commit(Batch batch) {
        for (int r = 0; r < batch.size(); r++) {
            filled[batch.sequence(r)] = Math.max(filled[batch.sequence(r)], batch.cell(r) + 1);
        }
    }

    @Override
    public void close() {
        for (KvLayer layer : layers) {
            layer.keys().close();
            layer.values().close();
        }
        layers.clear();
    }
}
