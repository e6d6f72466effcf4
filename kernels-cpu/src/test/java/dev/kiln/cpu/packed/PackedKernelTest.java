package dev.kiln.cpu.packed;

import dev.kiln.cpu.quant.QuantKernel;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.cpu.quant.RandomBlocks;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackedKernelTest {

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (GgmlType type : new GgmlType[] {GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q5_K, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL}) {
            for (int bits : new int[] {128, 256, 512}) {
                out.add(Arguments.of(type, bits));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void vectorKernelEqualsScalarReference(GgmlType type, int bits) {
        VectorSpecies<Float> species = Species.ofBits(bits);
        PackedKernel k = PackedKernels.of(type, species);
        int groupRows = PackedKernels.groupRows(species);
        Random random = new Random(42);
        int rows = 2 * groupRows + 3;
        int cols = 3 * k.blockLength();
        MemorySegment src = TestBlocksAccess.random(type, rows, cols, random);
        long rowBytes = type.byteSize(cols);
        try (Arena arena = Arena.ofConfined()) {
            PackedMatrix m = Packing.pack("t", type, src, rows, cols, k, groupRows, arena);
            Q8Activations x = new Q8Activations(k.activationBlock());
            int tokens = 3;
            float[] xf = new float[tokens * cols];
            for (int i = 0; i < xf.length; i++) {
                xf[i] = (float) random.nextGaussian();
            }
            x.quantize(xf, tokens, cols);
            float[] pair = new float[2 * groupRows];
            float[] quad = new float[Q8Activations.TOKEN_BLOCK * groupRows];
            for (int g = 0; g < m.groups(); g += 2) {
                for (int t = 0; t < tokens; t++) {
                    k.multiplyPair(m, g, x, t, pair, 0);
                    for (int r = 0; r < 2 * groupRows; r++) {
                        int row = g * groupRows + r;
                        float expected = row < rows ? k.reference(src, row * rowBytes, cols, x, t) : 0f;
                        assertEquals(expected, pair[r], "pair: row " + row + " token " + t);
                    }
                }
            }
            for (int g = 0; g < m.groups(); g++) {
                k.multiplyQuad(m, g, x, 0, quad, 0, groupRows);
                for (int t = 0; t < Q8Activations.TOKEN_BLOCK; t++) {
                    for (int r = 0; r < groupRows; r++) {
                        int row = g * groupRows + r;
                        float expected = row < rows && t < tokens ? k.reference(src, row * rowBytes, cols, x, t) : 0f;
                        assertEquals(expected, quad[t * groupRows + r], "quad: row " + row + " token " + t);
                    }
                }
            }
            float[] quadPair = new float[Q8Activations.TOKEN_BLOCK * 2 * groupRows];
            for (int g = 0; g < m.groups(); g += 2) { // the last pair: 3 rows, then a padding group
                k.multiplyQuadPair(m, g, x, 0, quadPair, 0, 2 * groupRows);
                for (int t = 0; t < Q8Activations.TOKEN_BLOCK; t++) {
                    for (int r = 0; r < 2 * groupRows; r++) {
                        int row = g * groupRows + r;
                        float expected = row < rows && t < tokens ? k.reference(src, row * rowBytes, cols, x, t) : 0f;
                        assertEquals(expected, quadPair[t * 2 * groupRows + r], "quad pair: row " + row + " token " + t);
                    }
                }
            }
        }
    }

    /** The types whose packed groups decode to floats (the float batch path); the others must say they do not. */
    static final List<GgmlType> DECODING = List.of(GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K);

    static List<Arguments> decodingCases() {
        return cases().stream().filter(a -> DECODING.contains((GgmlType) a.get()[0])).toList();
    }

    /**
     * decodeGroup gives, for every group of a packed matrix (a partial group and a padding one included) and every
     * first block and count, the floats the type's scalar dequantization gives for those rows and columns, bit for
     * bit, and writes nothing past its columns.
     */
    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("decodingCases")
    void decodedGroupsEqualTheScalarDequantization(GgmlType type, int bits) {
        VectorSpecies<Float> species = Species.ofBits(bits);
        PackedKernel k = PackedKernels.of(type, species);
        assertTrue(k.decodes(), type + " decodes");
        int groupRows = PackedKernels.groupRows(species);
        int length = k.blockLength();
        Random random = new Random(17);
        int rows = 2 * groupRows + 3; // two whole groups, one of 3 rows, and a padding group
        int blocks = 3;
        int cols = blocks * length;
        // random blocks, then extreme ones (largest and subnormal f16 scales, extreme quants)
        for (RandomBlocks.Kind kind : new RandomBlocks.Kind[] {RandomBlocks.Kind.RANDOM, RandomBlocks.Kind.EXTREME}) {
            MemorySegment src = RandomBlocks.generate(type, rows * cols, 0, kind, random);
            assertDecodedGroupsEqualTheScalarDequantization(k, type, src, rows, cols, blocks, groupRows, kind.name());
        }
    }

    private static void assertDecodedGroupsEqualTheScalarDequantization(PackedKernel k, GgmlType type, MemorySegment src,
                                                                     int rows, int cols, int blocks, int groupRows,
                                                                     String kind) {
        int length = k.blockLength();
        long rowBytes = type.byteSize(cols);
        QuantKernel exact = QuantKernels.of(type);
        float[][] expected = new float[4 * groupRows][cols]; // [row][col], the padding rows zero
        for (int r = 0; r < rows; r++) {
            exact.dequantize(src, r * rowBytes, expected[r], 0, cols);
        }
        try (Arena arena = Arena.ofConfined()) {
            PackedMatrix m = Packing.pack("t", type, src, rows, cols, k, groupRows, arena);
            assertEquals(4, m.groups());
            float[] panel = new float[cols * groupRows + 1]; // [cols][groupRows] and one float more
            for (int g = 0; g < m.groups(); g++) {
                for (int first = 0; first < blocks; first++) {
                    for (int n = 1; first + n <= blocks; n++) {
                        Arrays.fill(panel, Float.NaN);
                        k.decodeGroup(m, g, first, n, panel);
                        for (int j = 0; j < n * length; j++) {
                            for (int r = 0; r < groupRows; r++) {
                                float want = expected[g * groupRows + r][first * length + j];
                                assertEquals(want == 0f ? 0f : want, panel[j * groupRows + r] == 0f ? 0f : panel[j * groupRows + r],
                                        kind + ", group " + g + ", blocks " + first + "+" + n + ": row " + r
                                                + " column " + j);
                            }
                        }
                        for (int i = n * length * groupRows; i < panel.length; i++) {
                            assertTrue(Float.isNaN(panel[i]), "written past the panel's columns at " + i);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void onlyTheDecodingTypesSayTheyDecode(GgmlType type, int bits) {
        PackedKernel k = PackedKernels.of(type, Species.ofBits(bits));
        if (DECODING.contains(type)) {
            assertTrue(k.decodes());
        } else {
            assertFalse(k.decodes());
            float[] panel = new float[k.blockLength() * PackedKernels.groupRows(Species.ofBits(bits))];
            org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class,
                    () -> k.decodeGroup(null, 0, 0, 1, panel));
        }
    }

    /** Byte offsets of the f16 scale fields in one GGUF block of each type. */
    private static final Map<GgmlType, int[]> HALF_FIELDS = Map.ofEntries(
            Map.entry(GgmlType.Q8_0, new int[] {0}),
            Map.entry(GgmlType.Q4_0, new int[] {0}),
            Map.entry(GgmlType.Q2_K, new int[] {80, 82}),
            Map.entry(GgmlType.Q3_K, new int[] {108}),
            Map.entry(GgmlType.Q5_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q4_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q5_0, new int[] {0}),
            Map.entry(GgmlType.Q5_1, new int[] {0, 2}),
            Map.entry(GgmlType.Q4_K, new int[] {0, 2}),
            Map.entry(GgmlType.Q6_K, new int[] {208}),
            Map.entry(GgmlType.IQ4_NL, new int[] {0}));

    /**
     * Every quant byte one pattern (all quants at a minimum, a maximum or alternating), every activation +1, -1 or
     * alternating (quants of ±127): the largest sums a 16-bit lane can see. The integer sums of the reference are
     * 32-bit, so a lane that overflows in the vector kernel shows as a difference.
     */
    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void extremeQuantsDoNotOverflowTheLanes(GgmlType type, int bits) {
        VectorSpecies<Float> species = Species.ofBits(bits);
        PackedKernel k = PackedKernels.of(type, species);
        int groupRows = PackedKernels.groupRows(species);
        int rows = 2 * groupRows;
        int cols = 2 * k.blockLength();
        long rowBytes = type.byteSize(cols);
        int blocks = (int) (rows * rowBytes / type.bytesPerBlock());
        for (byte pattern : new byte[] {0, (byte) 0x80, (byte) 0xFF, 0x7F, 0x55, (byte) 0xAA, 0x0F, (byte) 0xF0, 0x77, (byte) 0x88}) {
            MemorySegment src = MemorySegment.ofArray(new byte[(int) (rows * rowBytes)]);
            src.fill(pattern);
            for (int b = 0; b < blocks; b++) {
                for (int h : HALF_FIELDS.get(type)) {
                    src.set(ValueLayout.JAVA_SHORT_UNALIGNED, (long) b * type.bytesPerBlock() + h, Float.floatToFloat16(1f));
                }
            }
            try (Arena arena = Arena.ofConfined()) {
                PackedMatrix m = Packing.pack("t", type, src, rows, cols, k, groupRows, arena);
                for (int set = 0; set < 2; set++) {
                    float[] xf = new float[Q8Activations.TOKEN_BLOCK * cols];
                    for (int i = 0; i < xf.length; i++) {
                        int token = i / cols;
                        // set 0: all +1, all -1, alternating, alternating the other way; set 1: the two halves of each
                        // 32 (then of each 16) of opposite signs, so that a half summed with the other half's offset
                        // overflows
                        float sign = set == 0
                                ? (token == 0 ? 1f : token == 1 ? -1f : token == 2 ? (i % 2 == 0 ? 1f : -1f) : (i % 2 == 0 ? -1f : 1f))
                                : ((token < 2 ? i % 32 < 16 : i % 16 < 8) ? 1f : -1f) * (token % 2 == 0 ? 1f : -1f);
                        xf[i] = sign;
                    }
                    Q8Activations x = new Q8Activations(k.activationBlock());
                    x.quantize(xf, Q8Activations.TOKEN_BLOCK, cols);
                    float[] pair = new float[2 * groupRows];
                    float[] quad = new float[Q8Activations.TOKEN_BLOCK * groupRows];
                    for (int t = 0; t < Q8Activations.TOKEN_BLOCK; t++) {
                        k.multiplyPair(m, 0, x, t, pair, 0);
                        for (int r = 0; r < rows; r++) {
                            assertEquals(k.reference(src, r * rowBytes, cols, x, t), pair[r],
                                    "pair: pattern " + pattern + " set " + set + " row " + r + " token " + t);
                        }
                    }
                    float[] quadPair = new float[Q8Activations.TOKEN_BLOCK * rows];
                    k.multiplyQuadPair(m, 0, x, 0, quadPair, 0, rows);
                    for (int t = 0; t < Q8Activations.TOKEN_BLOCK; t++) {
                        for (int r = 0; r < rows; r++) {
                            assertEquals(k.reference(src, r * rowBytes, cols, x, t), quadPair[t * rows + r],
                                    "quad pair: pattern " + pattern + " set " + set + " row " + r + " token " + t);
                        }
                    }
                    k.multiplyQuad(m, 1, x, 0, quad, 0, groupRows);
                    for (int t = 0; t < Q8Activations.TOKEN_BLOCK; t++) {
                        for (int r = 0; r < groupRows; r++) {
                            assertEquals(k.reference(src, (groupRows + r) * rowBytes, cols, x, t), quad[t * groupRows + r],
                                    "quad: pattern " + pattern + " set " + set + " row " + (groupRows + r) + " token " + t);
                        }
                    }
                }
            }
        }
    }

    /**
     * The reference itself against the exact float product: the only difference allowed is the activations'
     * rounding, |Σ w (x - dx·q)| &lt;= Σ_block dx/2 · Σ|w|, plus float32 rounding of the sums.
     */
    @ParameterizedTest(name = "{0} {1} bits")
    @MethodSource("cases")
    void referenceEqualsExactProductUpToActivationRounding(GgmlType type, int bits) {
        PackedKernel k = PackedKernels.of(type, Species.ofBits(bits));
        QuantKernel exact = QuantKernels.of(type);
        Random random = new Random(7);
        int rows = 16;
        int cols = 4 * k.blockLength();
        MemorySegment src = TestBlocksAccess.random(type, rows, cols, random);
        long rowBytes = type.byteSize(cols);
        float[] xf = new float[cols];
        for (int i = 0; i < cols; i++) {
            xf[i] = (float) random.nextGaussian();
        }
        Q8Activations x = new Q8Activations(k.activationBlock());
        x.quantize(xf, 1, cols);
        float[] w = new float[cols];
        for (int row = 0; row < rows; row++) {
            exact.dequantize(src, row * rowBytes, w, 0, cols);
            double dot = 0;
            double magnitude = 0;
            double bound = 0;
            for (int i = 0; i < cols; i++) {
                dot += (double) w[i] * xf[i];
                magnitude += Math.abs((double) w[i] * xf[i]);
                bound += Math.abs(w[i]) * x.scales()[i / k.activationBlock()] / 2;
            }
            float ref = k.reference(src, row * rowBytes, cols, x, 0);
            assertTrue(Math.abs(ref - dot) <= bound + 1e-5 * magnitude,
                    "row " + row + ": reference " + ref + ", exact " + dot + ", bound " + bound);
            // and the bound is not vacuous: a wrong offset or scale moves the sum by far more
            assertTrue(bound < 0.05 * magnitude, "bound " + bound + " vs magnitude " + magnitude);
        }
    }
}
