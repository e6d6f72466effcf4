package dev.kiln.cpu.packed;

import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Q8ActivationsTest {

    /** The vector quantization equals the scalar reference quant for quant, and the quants reconstruct x. */
    @Test
    void vectorQuantizationEqualsScalarReference() {
        Random random = new Random(3);
        for (int block : new int[] {32, 256}) {
            int tokens = 3;
            int cols = 4 * 256;
            float[] x = new float[tokens * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = switch (i % 7) {
                    case 0 -> 0f;
                    case 1 -> (float) random.nextGaussian() * 1e4f;
                    case 2 -> Float.MIN_VALUE * random.nextInt(100);
                    default -> (float) random.nextGaussian();
                };
            }
            for (int i = 0; i < block; i++) {
                x[i] = 0f; // an all-zero block: scale 0, quants 0
            }
            Q8Activations fast = new Q8Activations(block);
            fast.quantize(x, tokens, cols);
            Q8Activations slow = new Q8Activations(block);
            slow.quantize(x, tokens, cols);
            for (int b = 0; b < tokens * cols / block; b++) {
                slow.quantizeBlockScalar(x, b * block, b);
            }
            assertArrayEquals(slow.quants(), fast.quants(), "block " + block);
            assertArrayEquals(slow.scales(), fast.scales(), "block " + block);
            assertEquals(0f, fast.scales()[0]);
            for (int i = 0; i < x.length; i++) {
                float d = fast.scales()[i / block];
                assertTrue(Math.abs(fast.quants()[i]) <= 127, "quant " + fast.quants()[i]);
                assertTrue(Math.abs(x[i] - d * fast.quants()[i]) <= d * 0.5f * 1.0001f + Float.MIN_VALUE,
                        "x " + x[i] + " quant " + fast.quants()[i] + " scale " + d);
            }
            for (int s = 0; s < tokens * cols / Q8Activations.SUM_LENGTH; s++) {
                int sum = 0;
                for (int i = 0; i < Q8Activations.SUM_LENGTH; i++) {
                    sum += fast.quants()[s * Q8Activations.SUM_LENGTH + i];
                }
                assertEquals(sum, fast.sums()[s]);
            }
            for (int s = 0; s < tokens * cols / Q8Activations.GROUP_LENGTH; s++) {
                int sum = 0;
                for (int i = 0; i < Q8Activations.GROUP_LENGTH; i++) {
                    sum += fast.quants()[s * Q8Activations.GROUP_LENGTH + i];
                }
                assertEquals((float) sum, fast.groupSums()[s], "sum of 32 at " + s);
            }
        }
    }

    @Test
    void tokensArePaddedWithZeros() {
        Q8Activations x = new Q8Activations(32);
        float[] ones = new float[5 * 64];
        java.util.Arrays.fill(ones, 1f);
        x.quantize(ones, 5, 64);
        assertEquals(8, x.paddedTokens());
        x.quantize(ones, 2, 64); // reuses the arrays: tokens 2..3 must be zero again
        assertEquals(4, x.paddedTokens());
        for (int i = 2 * 64; i < 4 * 64; i++) {
            assertEquals(0, x.quants()[i]);
        }
        assertEquals(0f, x.scales()[2 * 2]);
    }

    /** The native copy the batch kernels read: every quant of every padded token, little-endian, after each call. */
    @Test
    void lanesHoldTheQuantsOfTheLastCall() {
        Q8Activations x = new Q8Activations(256);
        Random random = new Random(3);
        for (int tokens : new int[] {6, 1, 3}) { // grows, then reuses the memory with fewer tokens
            float[] xs = new float[tokens * 512];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = (float) random.nextGaussian();
            }
            x.quantize(xs, tokens, 512);
            int padded = x.paddedTokens() * 512;
            assertTrue(x.lanes().byteSize() >= 2L * padded, "lanes bytes " + x.lanes().byteSize());
            for (int i = 0; i < padded; i++) {
                short lane = x.lanes().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i);
                assertEquals(x.quants()[i], lane, "tokens " + tokens + " quant " + i);
            }
        }
    }

    /**
     * prepare, then token ranges in any order (as threads run them): quants and scales equal the scalar reference,
     * sums of 16 and 32 are the quants' sums, lanes hold the quants, and the padding tokens are zero in all five,
     * also when the memory is reused for fewer tokens (7, then 2) and when it grows again (9).
     */
    @Test
    void tokenRangesMatchTheReferenceAndZeroThePadding() {
        Random random = new Random(7);
        int cols = 512;
        for (int block : new int[] {32, 256}) {
            Q8Activations parts = new Q8Activations(block);
            for (int tokens : new int[] {7, 2, 9}) {
                float[] xs = new float[tokens * cols];
                for (int i = 0; i < xs.length; i++) {
                    xs[i] = (float) random.nextGaussian() * (1 + i % 5);
                }
                parts.prepare(xs, tokens, cols);
                int split = tokens / 2;
                parts.quantizeTokens(split, tokens);
                parts.quantizeTokens(0, split);
                Q8Activations reference = new Q8Activations(block);
                reference.quantize(xs, tokens, cols);
                for (int b = 0; b < tokens * cols / block; b++) {
                    reference.quantizeBlockScalar(xs, b * block, b);
                }
                int n = tokens * cols;
                int padded = parts.paddedTokens() * cols;
                String at = "block " + block + ", " + tokens + " tokens: ";
                for (int i = 0; i < padded; i++) {
                    short expected = i < n ? reference.quants()[i] : 0;
                    assertEquals(expected, parts.quants()[i], at + "quant " + i);
                    assertEquals(expected, parts.lanes().get(
                            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i), at + "lane " + i);
                }
                for (int b = 0; b < padded / block; b++) {
                    assertEquals(b < n / block ? reference.scales()[b] : 0f, parts.scales()[b], at + "scale " + b);
                }
                for (int s = 0; s < padded / Q8Activations.SUM_LENGTH; s++) {
                    int sum = 0;
                    for (int i = s * Q8Activations.SUM_LENGTH; i < (s + 1) * Q8Activations.SUM_LENGTH; i++) {
                        sum += i < n ? reference.quants()[i] : 0;
                    }
                    assertEquals(sum, parts.sums()[s], at + "sum " + s);
                }
                for (int s = 0; s < padded / Q8Activations.GROUP_LENGTH; s++) {
                    int sum = 0;
                    for (int i = s * Q8Activations.GROUP_LENGTH; i < (s + 1) * Q8Activations.GROUP_LENGTH; i++) {
                        sum += i < n ? reference.quants()[i] : 0;
                    }
                    assertEquals((float) sum, parts.groupSums()[s], at + "sum of 32 at " + s);
                }
            }
        }
    }

    @Test
    void columnsThatAreNotWholeBlocksAreRefused() {
        Q8Activations x = new Q8Activations(256);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.quantize(new float[300], 1, 300));
        assertTrue(e.getMessage().contains("300"), e.getMessage());
    }
}
