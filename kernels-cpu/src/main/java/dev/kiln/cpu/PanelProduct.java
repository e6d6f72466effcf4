package dev.kiln.cpu;

/**
 * Float products of a panel of decoded weights, stored column by column, with a batch of tokens: the float batch path
 * of the packed matrices ({@link PackedMatMul}); {@link FloatPanel} is the implementation, one copy per vector species.
 */
public interface PanelProduct {

    /**
     * {@code out[outOffset + t·outStride + r] (+)= Σ_j panel[j·rows + r] · x[xOffset + t·xStride + j]} for
     * {@code r < rows}, {@code t < tokens}, {@code j < cols}: added to what {@code out} holds when {@code add}, else
     * written. {@code rows} is two float vectors ({@link #rows()}).
     *
     * @param panel [cols][rows] decoded weights, a column's rows side by side
     * @param x     [tokens][xStride] activations from {@code xOffset}
     * @param out   [tokens][outStride] results from {@code outOffset}
     */
    void multiply(float[] panel, int cols, float[] x, int xOffset, int xStride, int tokens, float[] out, int outOffset,
                  int outStride, boolean add);

    /** Rows of a panel column: two float vectors of this product's species. */
    int rows();
}
