package dev.kiln.core.graph;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.ModelWeights;
import dev.kiln.core.spi.Backend;
import dev.kiln.gguf.GgmlType;

import java.util.Locale;

/**
 * The accelerator memory that offloading takes, part by part: the one estimate behind {@code -ngl auto}
 * ({@link #fit}) and the memory line printed at load ({@link Parts#describe}).
 * <ul>
 *   <li>weights: each offloaded block's tensors as stored in the file; the output head (output.weight, or the token
 *       embedding when the output is tied, plus output_norm)</li>
 *   <li>KV: each offloaded block's cache, keys and values for every cell</li>
 *   <li>activations: the engine's F32 buffers on the accelerator ({@link Activations}: all of them when it runs a
 *       block; the residual stream, the gathered rows and the logits when it runs only the output head)</li>
 *   <li>scratch: the backend's own workspace ({@link Backend#workspaceBytes(HyperParams, int, int)})</li>
 *   <li>context: what the driver takes for itself ({@link Backend#contextBytes()}); not part of -ngl auto's sum,
 *       since free memory is read after the context exists</li>
 * </ul>
 * {@code -ngl auto} also keeps {@link #MARGIN_BYTES} free (fragmentation, the driver's later allocations, other
 * processes; llama.cpp keeps about 1 GiB when it fits).
 *
 * @param blockWeightBytes [blockCount] bytes of each block's tensors
 * @param blockKvBytes     [blockCount] bytes of each block's KV cache
 * @param outputBytes      bytes of the output head
 * @param hp               the model's hyperparameters (activation widths)
 * @param batchRows        rows per forward pass
 * @param workspaceBytes   the backend's scratch for such passes
 * @param contextBytes     the driver's own share
 */
public record DeviceBudget(long[] blockWeightBytes, long[] blockKvBytes, long outputBytes, HyperParams hp, int batchRows,
                           long workspaceBytes, long contextBytes) {
    /** Free memory left unused by -ngl auto. */
    public static final long MARGIN_BYTES = 512L << 20;

    public DeviceBudget {
        if (blockWeightBytes.length != hp.blockCount() || blockKvBytes.length != hp.blockCount()) {
            throw new IllegalArgumentException("device budget: " + blockWeightBytes.length + "/" + blockKvBytes.length
                    + " block sizes for " + hp.blockCount() + " blocks");
        }
        blockWeightBytes = blockWeightBytes.clone();
        blockKvBytes = blockKvBytes.clone();
    }

    /** The budget of {@code weights} on {@code accelerator} with a {@code cacheType} cache of {@code cells} cells. */
    public static DeviceBudget of(ModelWeights weights, HyperParams hp, GgmlType cacheType, long cells, int batchRows,
                                  Backend accelerator) {
        long[] blocks = new long[hp.blockCount()];
        for (int l = 0; l < blocks.length; l++) {
            blocks[l] = weights.layer(l).sizeBytes();
        }
        int contextCells = (int) Math.min(Integer.MAX_VALUE, cells);
        return of(blocks, weights.outputSizeBytes(), hp, cacheType, cells, batchRows,
                accelerator.workspaceBytes(hp, batchRows, contextCells), accelerator.contextBytes());
    }

    /** The budget from per-block weight sizes (e.g. computed from a tensor table without the file). */
    public static DeviceBudget of(long[] blockWeightBytes, long outputBytes, HyperParams hp, GgmlType cacheType, long cells,
                                  int batchRows, long workspaceBytes, long contextBytes) {
        long[] kv = new long[hp.blockCount()];
        for (int l = 0; l < kv.length; l++) {
            kv[l] = KvCache.bytesPerLayer(hp, l, cacheType, cells);
        }
        return new DeviceBudget(blockWeightBytes, kv, outputBytes, hp, batchRows, workspaceBytes, contextBytes);
    }

    /** Bytes of the activation buffers on an accelerator that runs blocks (or only the output head). */
    public long activationBytes(boolean runsBlocks, boolean runsOutput) {
        int logitRows = runsOutput ? Activations.logitChunk(hp, batchRows) : 0;
        return 4 * Activations.floats(hp, batchRows, logitRows, runsBlocks);
    }

    /**
     * {@code -ngl auto}: the most slots, in llama.cpp's order, whose weights and caches fit in {@code freeBytes} (read
     * after the backend opened) beside the activations, the scratch and {@link #MARGIN_BYTES}.
     */
    public Placement fit(long freeBytes) {
        long[] slots = new long[blockWeightBytes.length];
        for (int l = 0; l < slots.length; l++) {
            slots[l] = blockWeightBytes[l] + blockKvBytes[l];
        }
        return Placement.fit(slots, outputBytes, activationBytes(true, true) + workspaceBytes, freeBytes, MARGIN_BYTES);
    }

    /** What {@code placement} takes on the accelerator. */
    public Parts parts(Placement placement) {
        long weights = 0, kv = 0;
        boolean blocks = false;
        for (int l = 0; l < blockWeightBytes.length; l++) {
            if (placement.blockOffloaded(l)) {
                weights += blockWeightBytes[l];
                kv += blockKvBytes[l];
                blocks = true;
            }
        }
        if (placement.outputOffloaded()) {
            weights += outputBytes;
        }
        if (placement.offloadedSlots() == 0) {
            return new Parts(0, 0, 0, 0, 0);
        }
        return new Parts(weights, kv, activationBytes(blocks, placement.outputOffloaded()), workspaceBytes, contextBytes);
    }

    /**
     * The parts of an estimate, in bytes.
     *
     * @param context the driver's own share (an assumed figure where the backend cannot measure it)
     */
    public record Parts(long weights, long kv, long activations, long scratch, long context) {

        public long total() {
            return weights + kv + activations + scratch + context;
        }

        /**
         * "weights 8261 MiB + KV 320 MiB + activations 184 MiB + scratch 77 MiB + context 300 MiB = 9142 MiB (-ngl auto
         * also keeps a 512 MiB margin free)".
         */
        public String describe() {
            return String.format(Locale.ROOT, "weights %d MiB + KV %d MiB + activations %d MiB + scratch %d MiB + context %d MiB = %d MiB"
                            + " (-ngl auto also keeps a %d MiB margin free)",
                    mib(weights), mib(kv), mib(activations), mib(scratch), mib(context), mib(total()), mib(MARGIN_BYTES));
        }

        static long mib(long bytes) {
            return (bytes + (1L << 19)) >> 20;
        }
    }
}
