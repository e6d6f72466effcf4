package dev.kiln.core.arch;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The data describing one model family ({@code general.architecture}): its RoPE pairing, the tensor roles it
 * requires and may have, and the block features it uses. An absent optional {@link TensorRole#OUTPUT} means the
 * output projection is tied to {@link TensorRole#TOKEN_EMBD}.
 */
public record Architecture(String ggufName, RopePairing ropePairing, Set<TensorRole> required,
                           Set<TensorRole> optional, Set<Feature> features) {

    public Architecture {
        Objects.requireNonNull(ggufName, "ggufName");
        Objects.requireNonNull(ropePairing, "ropePairing");
        required = Collections.unmodifiableSet(EnumSet.copyOf(required));
        optional = optional.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(TensorRole.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(optional));
        features = features.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(Feature.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(features));
        for (TensorRole r : required) {
            if (optional.contains(r)) {
                throw new IllegalArgumentException(ggufName + ": " + r + " is both required and optional");
            }
        }
    }

    public boolean has(Feature feature) {
        return features.contains(feature);
    }

    /** Whether the architecture knows the role at all (required or optional). */
    public boolean uses(TensorRole role) {
        return required.contains(role) || optional.contains(role);
    }
}
