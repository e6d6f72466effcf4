package dev.kiln.core.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The backend providers on the class path ({@link ServiceLoader}), highest priority first. {@code core} never names
 * an implementation: the CPU provider is the one named "cpu", the accelerator the best other available one.
 */
public final class Backends {
    private Backends() {}

    /** Every registered provider, highest priority first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::priority).reversed());
        return list;
    }

    /** The provider named {@code name}, if registered. */
    public static Optional<BackendProvider> named(String name) {
        return providers().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    /** The CPU provider; a {@link BackendException} when kernels-cpu is not on the class path. */
    public static BackendProvider cpu() {
        return named("cpu").orElseThrow(() -> new BackendException(
                "no CPU backend found: put kernels-cpu on the class path (registered providers: " + names() + ")"));
    }

    /** The available non-CPU provider with the highest priority, if any (never throws: probes report reasons). */
    public static Optional<BackendProvider> bestAccelerator() {
        for (BackendProvider p : providers()) {
            if (!p.name().equals("cpu") && p.probe().available()) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * Why no accelerator is usable, one "name: reason" per registered non-CPU provider (e.g. "cuda: no CUDA driver:
     * libcuda.so.1 not found"), or "no GPU backend on the class path"; for the -ngl warning.
     */
    public static String acceleratorsUnavailable() {
        List<String> reasons = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (!p.name().equals("cpu")) {
                Availability a = p.probe();
                reasons.add(p.name() + ": " + (a.available() ? "available" : a.reason()));
            }
        }
        return reasons.isEmpty() ? "no GPU backend on the class path" : String.join("; ", reasons);
    }

    private static String names() {
        return String.join(", ", providers().stream().map(BackendProvider::name).toList());
    }
}
