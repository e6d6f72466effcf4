package dev.kiln.cpu;

import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.cpu.simd.Species;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.invoke.MethodHandles;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link FloatPanel} against its scalar reference: each (row, token) sum is {@code Math.fma} over the columns in order,
 * from zero or from what {@code out} held, so every block (six, four, two tokens, one alone) and every batch size
 * must give the reference's floats bit for bit; outputs around the written ones keep their values.
 */
class FloatPanelTest {

    @ParameterizedTest(name = "{0} bits")
    @ValueSource(ints = {128, 256, 512})
    void everyBlockOfTokensEqualsTheScalarReference(int bits) {
        PanelProduct product = Specialiser.instance(MethodHandles.lookup(), FloatPanel.class, PanelProduct.class,
                Species.ofBits(bits));
        int rows = product.rows();
        assertEquals(2 * bits / 32, rows, "two float vectors");
        Random random = new Random(bits);
        int cols = 37;
        int xStride = cols + 5;
        int xOffset = 3;
        for (int tokens = 1; tokens <= 14; tokens++) {
            float[] panel = new float[cols * rows]; // [cols][rows]
            for (int i = 0; i < panel.length; i++) {
                panel[i] = (float) random.nextGaussian();
            }
            float[] x = new float[xOffset + tokens * xStride]; // [tokens][xStride] from xOffset
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            int outStride = rows + 7;
            int outOffset = 2;
            for (boolean add : new boolean[] {false, true}) {
                float[] out = new float[outOffset + tokens * outStride + 3]; // [tokens][outStride] from outOffset
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) random.nextGaussian();
                }
                float[] expected = out.clone();
                for (int t = 0; t < tokens; t++) {
                    for (int r = 0; r < rows; r++) {
                        int o = outOffset + t * outStride + r;
                        float sum = add ? expected[o] : 0f;
                        for (int j = 0; j < cols; j++) {
                            sum = Math.fma(panel[j * rows + r], x[xOffset + t * xStride + j], sum);
                        }
                        expected[o] = sum;
                    }
                }
                product.multiply(panel, cols, x, xOffset, xStride, tokens, out, outOffset, outStride, add);
                for (int i = 0; i < out.length; i++) {
                    assertEquals(expected[i], out[i], tokens + " tokens, add " + add + ": out[" + i + "]");
                }
            }
        }
    }
}
