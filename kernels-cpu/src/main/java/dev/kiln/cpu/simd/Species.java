package dev.kiln.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.LoggerFactory;

/**
 * The float species the CPU kernels use unless a caller forces one: {@link FloatVector#SPECIES_PREFERRED} capped at
 * 512 bits (the kernels unpack 16 bytes at a time into at most 16 float lanes), or the bit size in the system property
 * {@code kiln.vector.bits} (128, 256 or 512). The one place where it can be overridden.
 */
public final class Species {
    private Species() {}

    private static final VectorSpecies<Float> PREFERRED = choose();

    static {
        LoggerFactory.getLogger(Species.class).debug("CPU kernels use {} ({}-bit vectors; the platform prefers {})",
                PREFERRED, PREFERRED.vectorBitSize(), FloatVector.SPECIES_PREFERRED);
    }

    /** The species kernels use by default. */
    public static VectorSpecies<Float> preferred() {
        return PREFERRED;
    }

    /** True for the float species the kernels support: 128, 256 or 512 bits. */
    public static boolean supported(VectorSpecies<?> species) {
        int bits = species.vectorBitSize();
        return species.elementType() == float.class && (bits == 128 || bits == 256 || bits == 512);
    }

    /** The float species of {@code bits} (128, 256 or 512). */
    public static VectorSpecies<Float> ofBits(int bits) {
        if (bits != 128 && bits != 256 && bits != 512) {
            throw new IllegalArgumentException("vector size: expected 128, 256 or 512 bits, found " + bits);
        }
        return switch (bits) {
            case 128 -> FloatVector.SPECIES_128;
            case 256 -> FloatVector.SPECIES_256;
            default -> FloatVector.SPECIES_512;
        };
    }

    private static VectorSpecies<Float> choose() {
        String bits = System.getProperty("kiln.vector.bits");
        if (bits == null || bits.isBlank()) {
            int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
            return preferred > 512 ? FloatVector.SPECIES_512
                    : preferred < 128 ? FloatVector.SPECIES_128 : FloatVector.SPECIES_PREFERRED;
        }
        try {
            return ofBits(Integer.parseInt(bits.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kiln.vector.bits: expected 128, 256 or 512, found '" + bits + "'", e);
        }
    }
}
