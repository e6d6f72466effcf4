package dev.kiln.cpu;

import dev.kiln.core.spi.Availability;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendProvider;
import dev.kiln.core.spi.MatMulPrecision;

/**
 * Registers the CPU backend with {@link java.util.ServiceLoader} (priority 0). Available whenever the Vector API
 * module is present ({@code --add-modules jdk.incubator.vector}), which the launcher and Maven always pass.
 */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Availability probe() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return Availability.unavailable("the JVM runs without --add-modules jdk.incubator.vector");
        }
        return Availability.available("cpu, " + Runtime.getRuntime().availableProcessors() + " processors");
    }

    @Override
    public Backend open(BackendConfig config) {
        return new CpuBackend(config.threads(), config.get(MatMulPrecision.OPTION));
    }
}
