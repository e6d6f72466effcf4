package dev.kiln.cuda.reference;

import dev.kiln.gguf.GgmlType;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The per-lane dp4a decomposition of each mat-vec kernel equals dequantize-then-dot on the same bytes: the integer
 * sums are exact, so the only difference is float rounding of at most a few ulps of the summed magnitudes.
 */
class LaneDotTest {
    static final double RELATIVE = 2e-6;   // float accumulation over <= 64 terms per lane plus the 32-lane tree

    static double exact(float[] w, float[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += (double) w[i] * x[i];
        }
        return s;
    }

    static double magnitude(float[] w, float[] x) {
        double s = 0;
        for (int i = 0; i < w.length; i++) {
            s += Math.abs((double) w[i] * x[i]);
        }
        return s;
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void randomRowsMatchDequantizeThenDot(GgmlType type) {
        Random random = new Random(type.ordinal());
        for (int cols : new int[] {256, 768, 1280}) {   // odd super-block counts exercise the two-block warp step of Q2_K/Q3_K
            int rows = 3;
            byte[] w = RandomBlocks.of(type, rows, cols, random);
            Q8x x = Q8x.of(RandomBlocks.floats(cols, random));
            float[] xf = x.dequantize();
            int rowBytes = (int) type.byteSize(cols);
            for (int r = 0; r < rows; r++) {
                float[] wf = Blocks.row(type, w, r * rowBytes, cols);
                float got = LaneDot.dot(type, w, r * rowBytes, cols, x);
                assertEquals(exact(wf, xf), got, RELATIVE * magnitude(wf, xf) + 1e-30, type + " cols " + cols + " row " + r);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void testDataRowsMatchDequantizeThenDot(GgmlType type) throws IOException {
        byte[] raw = Files.readAllBytes(TestData.require("dequant/" + type + ".bin"));
        int rows = 8, rowBytes = raw.length / rows, cols = (int) (rowBytes / type.bytesPerBlock() * type.blockSize());
        Random random = new Random(42);
        for (int r = 0; r < rows; r++) {
            float[] x = RandomBlocks.floats(cols, random);
            Q8x q = Q8x.of(x);
            float[] wf = Blocks.row(type, raw, r * rowBytes, cols);
            float got = LaneDot.dot(type, raw, r * rowBytes, cols, q);
            assertEquals(exact(wf, q.dequantize()), got, RELATIVE * magnitude(wf, q.dequantize()), type + " row " + r);
            // and against the float activations: the q8x error is at most d/2 per element
            double bound = 0;
            for (int i = 0; i < cols; i++) {
                bound += Math.abs(wf[i]) * q.d()[i / 32] / 2;
            }
            assertTrue(Math.abs(exact(wf, x) - got) <= bound * 1.001 + RELATIVE * magnitude(wf, x),
                    type + " row " + r + ": " + got + " vs float " + exact(wf, x) + " bound " + bound);
        }
    }

    /** The multi-column kernels' reference for 1, 2, 5, 8 and 16 activation columns: each column as dequantize-then-dot. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q4_0", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void severalColumnsMatchDequantizeThenDotPerColumn(GgmlType type) {
        Random random = new Random(100 + type.ordinal());
        int cols = 768, rowBytes = (int) type.byteSize(cols);
        byte[] w = RandomBlocks.of(type, 2, cols, random);
        for (int n : new int[] {1, 2, 5, 8, 16}) {
            Q8x[] x = new Q8x[n];
            for (int c = 0; c < n; c++) {
                x[c] = Q8x.of(RandomBlocks.floats(cols, random));
            }
            for (int r = 0; r < 2; r++) {
                float[] wf = Blocks.row(type, w, r * rowBytes, cols);
                float[] got = LaneDot.dots(type, w, r * rowBytes, cols, x);
                assertEquals(n, got.length);
                for (int c = 0; c < n; c++) {
                    float[] xf = x[c].dequantize();
                    assertEquals(exact(wf, xf), got[c], RELATIVE * magnitude(wf, xf) + 1e-30, type + " " + n + " columns, column " + c);
                }
            }
        }
    }

    @Test
    void dp4aIsSignedBytewise() {
        assertEquals(-128 * 127 + 1 * 2, LaneDot.dot4(0x0180, 0x027F, 0));
        assertEquals(10 + 4 * 255 * 0, LaneDot.dot4(0, -1, 10));
        assertEquals(-4, LaneDot.dot4(0x01010101, -1, 0));
    }
}
