package dev.kiln.cpu;

/** Dense float products for batched matmul; {@link FloatTile} is the implementation, one copy per vector species. */
public interface TileProduct {

    /**
     * {@code out[outOffset + t * outStride + r] = dot(w[r], x[xOffset + t * cols ..])} for {@code r < rows},
     * {@code t < tokens}.
     *
     * @param w   [rows][cols] decoded weights
     * @param x   [tokens][cols] activations from {@code xOffset}
     * @param out [tokens][outStride] results from {@code outOffset}
     */
    void multiply(float[] w, int rows, int cols, float[] x, int xOffset, int tokens, float[] out, int outOffset,
                  int outStride);
}
