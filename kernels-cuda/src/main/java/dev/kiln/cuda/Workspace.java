package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;

/**
 * Sizes of the CUDA backend's internal scratch for batches of {@code rows} rows, used both by {@link CudaOps} (what it
 * allocates) and by the memory estimate behind {@code -ngl auto} and the load-time memory line: the q8x activations of
 * the mat-vec kernels, the partial results of split attention, and the prefill GEMM's operands (the per-token F16
 * scales; with cuBLAS the F16 activations, one F16 slice of the weight matrix and cuBLAS's workspace).
 *
 * <p>cuBLAS multiplies F16 copies of the weights: the matrix is dequantized {@link #gemmChunkRows a slice of rows} at a
 * time into a scratch of at most {@link #GEMM_CHUNK_BYTES}, never whole (a 32768 x 5120 ffn_down would take 320 MiB,
 * a 131072 x 5120 output head 1.25 GiB).
 */
final class Workspace {
    /** Context cells per attention split in decode; a 4096-cell context gives 16 splits per head. */
    static final int SPLIT_CELLS = 256;
    /** At most this many splits (more only adds combine work). */
    static final int MAX_SPLITS = 64;
    /** Up to this many tokens a matMul uses the multi-column mat-vec kernels (each weight block read once for all). */
    static final int MATVEC_MAX_TOKENS = 16;
    /** Bytes of the F16 weight slice cuBLAS multiplies at a time. */
    static final long GEMM_CHUNK_BYTES = 32L << 20;
    /** cuBLAS's recommended workspace: 4 MiB, 32 MiB on Hopper (sm_90) and newer. */
    static final long CUBLAS_WORKSPACE_BYTES = 4L << 20, CUBLAS_WORKSPACE_BYTES_SM90 = 32L << 20;

    private Workspace() {}

    /** Attention splits for decode rows over a cache of {@code capacity} cells per sequence. */
    static int splits(int capacity) {
        return Math.max(1, Math.min(MAX_SPLITS, (capacity + SPLIT_CELLS - 1) / SPLIT_CELLS));
    }

    /** Splits for an attention over {@code rows} rows: the decode split up to MATVEC_MAX_TOKENS rows, one above. */
    static int splits(int rows, int capacity) {
        return rows <= MATVEC_MAX_TOKENS ? splits(capacity) : 1;
    }

    /** Bytes of q8x activations for rows x width floats: one int8 each plus a float scale per 32. */
    static long q8xBytes(int rows, int width) {
        return (long) rows * width + 4L * rows * (width / 32);
    }

    /** Bytes of attention partials (m, l and headDim outputs per row, head and split). */
    static long attentionBytes(int rows, int heads, int headDim, int nsplit) {
        return 4L * rows * heads * nsplit * (headDim + 2);
    }

    /** Rows of a weight matrix [rows][cols] dequantized to F16 per cuBLAS call: a multiple of 64, at least 64. */
    static int gemmChunkRows(int rows, int cols, long chunkBytes) {
        long fit = chunkBytes / (2L * cols) / 64 * 64;
        return (int) Math.min(rows, Math.max(64, fit));
    }

    /** cuBLAS's workspace for a device of compute capability {@code cc} (major * 10 + minor). */
    static long cublasWorkspaceBytes(int cc) {
        return cc >= 90 ? CUBLAS_WORKSPACE_BYTES_SM90 : CUBLAS_WORKSPACE_BYTES;
    }

    /**
     * Scratch for batches of {@code rows} rows over a cache of {@code capacity} cells per sequence.
     *
     * @param cublas whether cuBLAS serves the prefill (F16 operands in scratch)
     * @param cc     compute capability (major * 10 + minor), for cuBLAS's workspace
     */
    static long bytes(HyperParams hp, int rows, int capacity, boolean cublas, int cc) {
        int dim = hp.embeddingLength(), ffn = hp.maxFeedForwardLength(), heads = hp.maxHeadCount();
        int widest = Math.max(Math.max(dim, ffn), heads * Math.max(hp.keyLength(), hp.valueLength()));
        int decodeRows = Math.min(rows, MATVEC_MAX_TOKENS);
        long q8x = q8xBytes(decodeRows, widest);
        long attention = Math.max(attentionBytes(decodeRows, heads, hp.valueLength(), splits(capacity)),
                attentionBytes(rows, heads, hp.valueLength(), 1));
        long prefill = cublas ? cublasWorkspaceBytes(cc) : 0;   // allocated when the backend opens
        if (rows > MATVEC_MAX_TOKENS) {
            prefill += 4L * rows;   // per-token F16 scales
            if (cublas) {
                prefill += Math.max(GEMM_CHUNK_BYTES, 2L * 64 * widest) + 2L * rows * widest;
            }
        }
        return q8x + attention + prefill + 16L * rows + (64L << 10);   // + batch arrays, rope table
    }
}
