package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.graph.Placement;
import dev.kiln.gguf.TensorInfo;

import java.util.List;

/**
 * {@code -ngl auto} for the CUDA backend: what each slot costs on the device and what must stay free, fed to
 * {@link Placement#fit} (output head first, then the last blocks, while they fit).
 * <ul>
 *   <li>block l: the bytes of every {@code blk.l.*} tensor (uploaded as stored in the file) plus its F16 KV cache,
 *       2 bytes x (keyWidth + valueWidth) x cells</li>
 *   <li>output head: {@code output.weight} (or {@code token_embd.weight} when the output is tied) and {@code output_norm}</li>
 *   <li>fixed: the engine's activations for the batch (F32) and logits, plus this backend's {@link Workspace}</li>
 *   <li>margin: {@link #MARGIN_BYTES}, for the driver's own allocations, fragmentation and other processes</li>
 * </ul>
 *
 * @param blockBytes  [blockCount] device bytes per block (weights + KV cache)
 * @param outputBytes device bytes of the output head
 * @param fixedBytes  activations + workspace
 * @param marginBytes kept free
 */
public record DeviceFit(long[] blockBytes, long outputBytes, long fixedBytes, long marginBytes) {
    /** Free memory left unused by auto: 512 MiB (llama.cpp keeps about 1 GiB by default when fitting). */
    public static final long MARGIN_BYTES = 512L << 20;

    /**
     * The costs for a model with these tensors and hyperparameters, a cache of {@code cells} cells in total
     * (sequences x capacity), batches of {@code batchRows} rows and {@code logitRows} logit rows at a time.
     */
    public static DeviceFit of(List<TensorInfo> tensors, HyperParams hp, long cells, int batchRows, int logitRows, boolean cublas) {
        int n = hp.blockCount();
        long[] blocks = new long[n];
        long output = 0, embedding = 0;
        boolean hasOutput = false;
        for (TensorInfo t : tensors) {
            String name = t.name();
            if (name.startsWith("blk.")) {
                int dot = name.indexOf('.', 4);
                int l = Integer.parseInt(name.substring(4, dot));
                if (l < n) {
                    blocks[l] += t.sizeBytes();
                }
            } else if (name.equals("output.weight")) {
                output += t.sizeBytes();
                hasOutput = true;
            } else if (name.startsWith("output_norm.")) {
                output += t.sizeBytes();
            } else if (name.equals("token_embd.weight")) {
                embedding = t.sizeBytes();
            }
        }
        if (!hasOutput) {
            output += embedding;   // tied: the output head multiplies by the embedding table on the device
        }
        for (int l = 0; l < n; l++) {
            blocks[l] += 2L * (hp.keyWidth(l) + hp.valueWidth(l)) * cells;
        }
        return new DeviceFit(blocks, output, activationBytes(hp, batchRows, logitRows)
                + Workspace.bytes(hp, batchRows, (int) Math.min(Integer.MAX_VALUE, cells), cublas), MARGIN_BYTES);
    }

    /** The engine's F32 activations (core.graph.Activations) for rows batch rows and logitRows logit rows. */
    static long activationBytes(HyperParams hp, int rows, int logitRows) {
        long perRow = 2L * hp.embeddingLength() + (long) hp.maxHeadCount() * hp.keyLength() + hp.maxKeyWidth()
                + hp.maxValueWidth() + (long) hp.maxHeadCount() * hp.valueLength() + 2L * hp.maxFeedForwardLength();
        return 4 * (perRow * rows + (long) logitRows * hp.vocabSize());
    }

    /** The placement for {@code freeBytes} of free device memory. */
    public Placement placement(long freeBytes) {
        return Placement.fit(blockBytes, outputBytes, fixedBytes, freeBytes, marginBytes);
    }

    /** Total device bytes of k offloaded slots in -ngl order (for the start-up log). */
    public long bytesFor(int k) {
        if (k <= 0) {
            return 0;
        }
        long sum = outputBytes + fixedBytes;
        for (int l = blockBytes.length - 1; l >= Math.max(0, blockBytes.length - (k - 1)); l--) {
            sum += blockBytes[l];
        }
        return sum;
    }
}
