package dev.kiln.core.spi;

import java.util.Objects;

/** The result of {@link BackendProvider#probe()}: usable, or not with the reason (e.g. "no CUDA driver found"). */
public record Availability(boolean available, String reason) {

    public Availability {
        Objects.requireNonNull(reason, "reason");
    }

    public static Availability available(String description) {
        return new Availability(true, description);
    }

    public static Availability unavailable(String reason) {
        return new Availability(false, reason);
    }
}
