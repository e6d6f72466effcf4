package dev.kiln.core.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a backend is opened with: the number of CPU threads for its worker pool (the CPU backend's compute
 * threads; host-side threads for others) and typed backend-specific options ({@link BackendOption}).
 * Read once when the backend opens; nothing else reads system properties.
 */
public final class BackendConfig {
    private final int threads;
    private final Map<BackendOption<?>, Object> options;

    private BackendConfig(int threads, Map<BackendOption<?>, Object> options) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: expected >= 1, found " + threads);
        }
        this.threads = threads;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /** {@code threads} worker threads and every option at its default. */
    public static BackendConfig of(int threads) {
        return new BackendConfig(threads, Map.of());
    }

    /** One worker thread per available processor. */
    public static BackendConfig defaults() {
        return of(Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** The option's value, or its default when unset. */
    public <T> T get(BackendOption<T> option) {
        Object v = options.get(option);
        return v == null ? option.defaultValue() : option.type().cast(v);
    }

    /** A copy with {@code option} set. */
    public <T> BackendConfig with(BackendOption<T> option, T value) {
        Map<BackendOption<?>, Object> copy = new LinkedHashMap<>(options);
        copy.put(option, option.type().cast(value));
        return new BackendConfig(threads, copy);
    }

    /** A copy with another thread count. */
    public BackendConfig withThreads(int threads) {
        return new BackendConfig(threads, options);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("threads=").append(threads);
        options.forEach((k, v) -> s.append(", ").append(k.name()).append('=').append(v));
        return s.toString();
    }
}
