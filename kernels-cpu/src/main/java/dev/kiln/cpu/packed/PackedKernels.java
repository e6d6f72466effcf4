package dev.kiln.cpu.packed;

import dev.kiln.cpu.simd.Species;
import dev.kiln.cpu.simd.Specialiser;
import dev.kiln.gguf.GgmlType;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;
import java.util.EnumMap;
import java.util.Map;

/** The integer kernel of each GGUF type that has one; other types use the float kernels of {@code cpu.quant}. */
public final class PackedKernels {
    private PackedKernels() {}

    private static final Map<GgmlType, Class<? extends PackedKernel>> CLASSES = new EnumMap<>(GgmlType.class);

    static {
        CLASSES.put(GgmlType.Q4_K, Q4_KPacked.class);
        CLASSES.put(GgmlType.Q6_K, Q6_KPacked.class);
        CLASSES.put(GgmlType.Q8_0, Q8_0Packed.class);
        CLASSES.put(GgmlType.Q4_0, Q4_0Packed.class);
        CLASSES.put(GgmlType.Q2_K, Q2_KPacked.class);
        CLASSES.put(GgmlType.Q3_K, Q3_KPacked.class);
        CLASSES.put(GgmlType.Q5_K, Q5_KPacked.class);
        CLASSES.put(GgmlType.Q4_1, Q4_1Packed.class);
        CLASSES.put(GgmlType.Q5_0, Q5_0Packed.class);
        CLASSES.put(GgmlType.Q5_1, Q5_1Packed.class);
        CLASSES.put(GgmlType.IQ4_NL, IQ4_NLPacked.class);
    }

    /** True if {@code type} has an integer kernel. */
    public static boolean supports(GgmlType type) {
        return CLASSES.containsKey(type);
    }

    /** Rows per group for {@code species}: the short lanes of one vector of that size. */
    public static int groupRows(VectorSpecies<Float> species) {
        return species.vectorBitSize() / 16;
    }

    public static PackedKernel of(GgmlType type) {
        return of(type, Species.preferred());
    }

    /** The kernel for {@code type} compiled for {@code species} (128, 256 or 512 bits). */
    public static PackedKernel of(GgmlType type, VectorSpecies<Float> species) {
        if (!Species.supported(species)) {
            throw new IllegalArgumentException("vector species " + species + ": the kernels need 128, 256 or 512 bits");
        }
        Class<? extends PackedKernel> c = CLASSES.get(type);
        if (c == null) {
            throw new IllegalArgumentException("no integer kernel for ggml type " + type + " (supported: "
                    + CLASSES.keySet() + ")");
        }
        return Specialiser.instance(MethodHandles.lookup(), c, PackedKernel.class, species);
    }
}
