package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;

/**
 * Sizes of the CUDA backend's internal scratch for batches of {@code rows} rows, used both by {@link CudaOps} (what it
 * allocates) and by {@code -ngl auto} (what must stay free): the q8x activations of the mat-vec kernels, the partial
 * results of split attention, and the F16 operands of cuBLAS.
 */
final class Workspace {
    /** Context cells per attention split in decode; a 4096-cell context gives 16 splits per head. */
    static final int SPLIT_CELLS = 256;
    /** At most this many splits (more only adds combine work). */
    static final int MAX_SPLITS = 64;
    /** Largest F16 weight matrix cuBLAS dequantizes into scratch; bigger ones (a huge output head) use the own kernels. */
    static final long CUBLAS_MAX_WEIGHT_BYTES = 512L << 20;
    /** Up to this many tokens a matMul uses the mat-vec kernels (weights read once per token from L2 after the first). */
    static final int MATVEC_MAX_TOKENS = 8;

    private Workspace() {}

    /** Attention splits for one decode row over a cache of {@code capacity} cells per sequence. */
    static int splits(int capacity) {
        return Math.max(1, Math.min(MAX_SPLITS, (capacity + SPLIT_CELLS - 1) / SPLIT_CELLS));
    }

    /** Bytes of q8x activations for rows x width floats: one int8 each plus a float scale per 32. */
    static long q8xBytes(int rows, int width) {
        return (long) rows * width + 4L * rows * (width / 32);
    }

    /** Bytes of attention partials (m, l and headDim outputs per row, head and split). */
    static long attentionBytes(int rows, int heads, int headDim, int nsplit) {
        return 4L * rows * heads * nsplit * (headDim + 2);
    }

    static long bytes(HyperParams hp, int rows, int capacity, boolean cublas) {
        int dim = hp.embeddingLength(), ffn = hp.maxFeedForwardLength(), heads = hp.maxHeadCount();
        int widest = Math.max(Math.max(dim, ffn), heads * Math.max(hp.keyLength(), hp.valueLength()));
        long q8x = q8xBytes(Math.min(rows, MATVEC_MAX_TOKENS), widest);
        long attention = Math.max(attentionBytes(1, heads, hp.valueLength(), splits(capacity)),
                attentionBytes(rows, heads, hp.valueLength(), 1));
        long gemm = 0;
        if (cublas && rows > MATVEC_MAX_TOKENS) {
            long largestBlockMatrix = 2L * ffn * dim;
            gemm = Math.min(CUBLAS_MAX_WEIGHT_BYTES, largestBlockMatrix) + 2L * rows * widest + (32L << 20);   // + cuBLAS workspace
        }
        return q8x + attention + gemm + (1L << 20);   // + batch arrays, rope tables
    }
}
