package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every fast dot product agrees with the scalar reference (dequantize, then multiply in float64) on the same bytes,
 * for every type, every species shape, random / extreme-scale / all-zero blocks, and rows of one and of many blocks.
 */
class KernelAgreementTest {

    static final GgmlType[] TYPES = {GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q4_0, GgmlType.Q4_1,
            GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.Q8_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K,
            GgmlType.Q6_K, GgmlType.IQ4_NL};

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GgmlType type : TYPES) {
            for (int bits : new int[] {128, 256, 512}) {
                out.add(Arguments.of(type, bits));
            }
        }
        return out;
    }

    /** Row lengths: one block, a few blocks, many blocks; for per-element types also lengths that leave vector tails. */
    static int[] lengths(GgmlType type) {
        int bs = type.blockSize();
        return bs == 1 ? new int[] {1, 3, 17, 64, 259, 4096 + 5} : new int[] {bs, 3 * bs, 4096};
    }

    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void dotAgreesWithReference(GgmlType type, int bits) {
        QuantKernel kernel = QuantKernels.of(type, Species.ofBits(bits));
        assertSame(type, kernel.type());
        Random random = new Random(type.ordinal() * 1000L + bits);
        for (RandomBlocks.Kind kind : RandomBlocks.Kind.values()) {
            for (int n : lengths(type)) {
                for (int pad : new int[] {0, 7}) {
                    MemorySegment w = RandomBlocks.generate(type, n, pad, kind, random);
                    int xPad = pad == 0 ? 0 : 5;
                    float[] x = RandomBlocks.activations(n + xPad, random);
                    float[] deq = new float[n];
                    kernel.dequantize(w, pad, deq, 0, n);
                    double exact = 0;
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) {
                        exact += (double) deq[i] * x[xPad + i];
                        magnitude += Math.abs((double) deq[i] * x[xPad + i]);
                    }
                    float fast = kernel.dot(w, pad, x, xPad, n);
                    double tolerance = Tolerances.DOT_RELATIVE * magnitude;
                    if (!(Math.abs(fast - exact) <= tolerance)) {
                        fail(type + " " + bits + " bits, " + kind + ", n=" + n + ", pad=" + pad + ": dot " + fast
                                + ", reference " + exact + " (tolerance " + tolerance + ")");
                    }
                    if (kind == RandomBlocks.Kind.ZERO) {
                        assertEquals(0f, fast, type + " all-zero blocks");
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void decodeEqualsDequantizeBitForBit(GgmlType type, int bits) {
        QuantKernel kernel = QuantKernels.of(type, Species.ofBits(bits));
        Random random = new Random(type.ordinal() * 7919L + bits);
        for (RandomBlocks.Kind kind : RandomBlocks.Kind.values()) {
            for (int n : lengths(type)) {
                MemorySegment w = RandomBlocks.generate(type, n, 3, kind, random);
                float[] expected = new float[n + 2];
                float[] actual = new float[n + 2];
                kernel.dequantize(w, 3, expected, 1, n);
                kernel.decode(w, 3, actual, 1, n);
                for (int i = 0; i < n + 2; i++) {
                    if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                        fail(type + " " + bits + " bits, " + kind + ", n=" + n + ": element " + (i - 1)
                                + " decoded " + actual[i] + ", reference " + expected[i]);
                    }
                }
            }
        }
    }

    @Test
    void speciesCopiesAreDistinctAndCached() {
        QuantKernel a = QuantKernels.of(GgmlType.Q4_K, Species.ofBits(128));
        QuantKernel b = QuantKernels.of(GgmlType.Q4_K, Species.ofBits(256));
        assertSame(a, QuantKernels.of(GgmlType.Q4_K, Species.ofBits(128)));
        assertTrue(a != b);
        assertSame(QuantKernels.of(GgmlType.Q4_K), QuantKernels.of(GgmlType.Q4_K, Species.preferred()));
    }

    @Test
    void rejectsBadInput() {
        QuantKernel k = QuantKernels.of(GgmlType.Q4_K);
        MemorySegment w = MemorySegment.ofArray(new byte[144]);
        float[] x = new float[256];
        assertThrows(IllegalArgumentException.class, () -> k.dot(w, 0, x, 0, 100));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 1, x, 0, 256));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dot(w, 0, x, 1, 256));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dequantize(w, 0, new float[255], 0, 256));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantKernels.of(GgmlType.IQ2_XXS));
        assertTrue(e.getMessage().contains("IQ2_XXS"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> QuantKernels.of(GgmlType.Q4_K, jdk.incubator.vector.FloatVector.SPECIES_64));
    }
}
