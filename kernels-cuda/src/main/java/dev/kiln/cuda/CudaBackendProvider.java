package dev.kiln.cuda;

import dev.kiln.core.spi.Availability;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendOption;
import dev.kiln.core.spi.BackendProvider;

/**
 * The CUDA backend's ServiceLoader entry (priority 10, above the CPU's 0): {@link #probe()} loads the JCuda natives,
 * calls cuInit and counts devices, and never throws; without a driver or device it says why.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Which CUDA device to open (default 0). */
    public static final BackendOption<Integer> DEVICE = BackendOption.of("cuda.device", Integer.class, 0);
    /**
     * The prefill GEMM: "auto" (cuBLAS where libcublas.so.12 loads, else the tensor-core kernels), "cublas", "wmma"
     * (own tensor-core PTX) or "tiles" (own FP32 PTX tiles, the simplest path).
     */
    /** Whether repeated steps (decode) are captured once and replayed as CUDA graphs (default false until measured). */
    public static final BackendOption<Boolean> GRAPHS = BackendOption.of("cuda.graphs", Boolean.class, false);

    public static final BackendOption<String> PREFILL = BackendOption.of("cuda.prefill", String.class, "auto");

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability probe() {
        CudaProbe p = CudaProbe.get();
        return p.available() ? Availability.available(p.description()) : Availability.unavailable(p.description());
    }

    @Override
    public Backend open(BackendConfig config) {
        return CudaBackend.open(config);
    }
}
