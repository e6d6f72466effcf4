package dev.kiln.core.spi;

import java.util.Objects;

/**
 * A typed, backend-specific setting carried by {@link BackendConfig} (e.g. the CUDA backend's
 * {@code cuda.cublas} on/off or device index). Declared as a constant by the backend that reads it, so the CLI
 * and tests use the constant, never a raw string.
 *
 * @param name         dotted name, prefixed by the backend name ("cuda.cublas")
 * @param type         value type
 * @param defaultValue value when the config does not set it
 */
public record BackendOption<T>(String name, Class<T> type, T defaultValue) {

    public BackendOption {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(defaultValue, "defaultValue");
    }

    public static <T> BackendOption<T> of(String name, Class<T> type, T defaultValue) {
        return new BackendOption<>(name, type, defaultValue);
    }
}
