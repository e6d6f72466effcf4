package dev.kiln.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float species the CPU kernels use unless a caller forces one: {@link FloatVector#SPECIES_PREFERRED}, or the
 * bit size in the system property {@code kiln.vector.bits} (128, 256 or 512). The one place where it can be
 * overridden.
 */
public final class Species {
    private Species() {}

    private static final VectorSpecies<Float> PREFERRED = choose();

    /** The species kernels use by default. */
    public static VectorSpecies<Float> preferred() {
        return PREFERRED;
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
            return FloatVector.SPECIES_PREFERRED;
        }
        try {
            return ofBits(Integer.parseInt(bits.trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("kiln.vector.bits: expected 128, 256 or 512, found '" + bits + "'", e);
        }
    }
}
