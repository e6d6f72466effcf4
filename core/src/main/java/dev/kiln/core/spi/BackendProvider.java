package dev.kiln.core.spi;

/**
 * A kind of compute device, registered in {@code META-INF/services/dev.kiln.core.spi.BackendProvider} and found
 * with {@link java.util.ServiceLoader}. The available provider with the highest {@link #priority()} receives the
 * offloaded slots ({@code -ngl}); the CPU (priority 0, always available) runs the rest.
 */
public interface BackendProvider {

    /** "cpu", "cuda": also the {@code --backend} value. */
    String name();

    /** Higher wins the offloaded layers; the CPU is 0. */
    int priority();

    /** Cheap check whether this backend can run here (natives load, a device exists). Never throws. */
    Availability probe();

    /** Opens the device. Throws {@link BackendException} when it cannot. */
    Backend open(BackendConfig config);
}
