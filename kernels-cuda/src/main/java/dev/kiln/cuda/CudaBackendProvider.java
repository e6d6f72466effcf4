package dev.kiln.cuda;

import dev.kiln.core.spi.Availability;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.BackendOption;
import dev.kiln.core.spi.BackendProvider;

/**
 * The CUDA backend's ServiceLoader entry (priority 10, above the CPU's 0): {@link #probe()} loads the JCuda natives,
 * calls cuInit and counts devices, and never throws; without a driver or device it says why.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Which CUDA device to open (default 0). */
    public static final BackendOption<Integer> DEVICE = BackendOption.of("cuda.device", Integer.class, 0);
    /** Whether repeated steps (decode) are captured once and replayed as CUDA graphs (default false until measured). */
    public static final BackendOption<Boolean> GRAPHS = BackendOption.of("cuda.graphs", Boolean.class, false);

    /**
     * The prefill GEMM: "auto" (cuBLAS where libcublas.so.12 loads, else the tensor-core kernels), "cublas", "wmma"
     * (own tensor-core PTX) or "tiles" (own FP32 PTX tiles, the simplest path). cuBLAS falls back to "wmma" for good
     * when a call fails.
     */
    public static final BackendOption<String> PREFILL = BackendOption.of("cuda.prefill", String.class, "auto");

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 10;
    }

    /** Why the last open failed (e.g. the driver refused the PTX), or null: the probe reports it from then on. */
    private static volatile String openFailure;

    @Override
    public Availability probe() {
        String failed = openFailure;
        if (failed != null) {
            return Availability.unavailable(failed);
        }
        CudaProbe p = CudaProbe.get();
        return p.available() ? Availability.available(p.description()) : Availability.unavailable(p.description());
    }

    /** Opens the device; a failure is also what {@link #probe()} says afterwards (so -ngl's warning names it). */
    @Override
    public Backend open(BackendConfig config) {
        try {
            return CudaBackend.open(config);
        } catch (BackendException e) {
            if (CudaProbe.get().available()) {   // else the probe already says why
                openFailure = e.getMessage();
            }
            throw e;
        }
    }
}
