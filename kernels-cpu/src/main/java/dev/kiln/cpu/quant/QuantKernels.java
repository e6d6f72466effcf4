package dev.kiln.cpu.quant;

import dev.kiln.cpu.simd.Species;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.util.EnumMap;
import java.util.Map;

/** The kernel for each supported ggml type: an {@link EnumMap} from type to kernel class. */
public final class QuantKernels {
    private QuantKernels() {}

    private static final Map<GgmlType, Class<? extends QuantKernel>> CLASSES = new EnumMap<>(GgmlType.class);

    static {
        CLASSES.put(GgmlType.F32, F32.class);
        CLASSES.put(GgmlType.F16, F16.class);
        CLASSES.put(GgmlType.BF16, BF16.class);
        CLASSES.put(GgmlType.Q4_0, Q4_0.class);
        CLASSES.put(GgmlType.Q4_1, Q4_1.class);
        CLASSES.put(GgmlType.Q5_0, Q5_0.class);
        CLASSES.put(GgmlType.Q5_1, Q5_1.class);
        CLASSES.put(GgmlType.Q8_0, Q8_0.class);
        CLASSES.put(GgmlType.Q2_K, Q2_K.class);
        CLASSES.put(GgmlType.Q3_K, Q3_K.class);
        CLASSES.put(GgmlType.Q4_K, Q4_K.class);
        CLASSES.put(GgmlType.Q5_K, Q5_K.class);
        CLASSES.put(GgmlType.Q6_K, Q6_K.class);
        CLASSES.put(GgmlType.IQ4_NL, IQ4_NL.class);
    }

    /** True if Kiln can compute with weights of this type on the CPU. */
    public static boolean supports(GgmlType type) {
        return CLASSES.containsKey(type);
    }

    /** The kernel for {@code type} with the preferred vector species. */
    public static QuantKernel of(GgmlType type) {
        return of(type, Species.preferred());
    }

    /**
     * The kernel for {@code type} compiled for {@code species} (tests force 128, 256 or 512 bits this way).
     *
     * @throws IllegalArgumentException naming the type and the supported types if there is no kernel for it, or the
     *                                  species if it is not a 128-, 256- or 512-bit float species
     */
    public static QuantKernel of(GgmlType type, VectorSpecies<Float> species) {
        if (!Species.supported(species)) {
            throw new IllegalArgumentException("vector species " + species + ": the kernels need 128, 256 or 512 bits");
        }
        Class<? extends QuantKernel> c = CLASSES.get(type);
        if (c == null) {
            throw new IllegalArgumentException("no CPU kernel for ggml type " + type + " (supported: "
                    + CLASSES.keySet() + ")");
        }
        return Specialiser.instance(MethodHandles.lookup(), c, QuantKernel.class, species);
    }
}
