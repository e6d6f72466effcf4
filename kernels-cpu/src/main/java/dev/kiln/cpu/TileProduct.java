package dev.kiln.cpu;

/** Dense float products for batched matmul; {@link FloatTile} is the implementation, one copy per vector species. */
public interface TileProduct {

    /**
     * {@code out[t][rowOffset + r] = dot(w[r], x[t])} for {@code r < rows}, {@code t < tokens}.
     *
     * @param w       [rows][cols] decoded weights
     * @param x       [tokens][cols] activations
     * @param out     [tokens][outRows] results
     */
    void multiply(float[] w, int rows, int cols, float[] x, int tokens, float[] out, int outRows, int rowOffset);
}
