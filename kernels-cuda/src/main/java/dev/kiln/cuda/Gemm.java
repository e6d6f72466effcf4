package dev.kiln.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prefill GEMM path, chosen when the backend opens and logged once: cuBLAS {@code cublasGemmEx} (F16 inputs
 * dequantized on the fly, F32 accumulate) where JCublas2 and libcublas.so.12 load, otherwise Kiln's own tensor-core
 * kernels {@code mmw_*} (WMMA, F16 operands, F32 accumulate), or on request the FP32 tiles {@code mm_*}. JCublas 12.6
 * links libcublas.so.12; a machine with only CUDA 13's libcublas.so.13 gets the own path.
 *
 * <p>A cuBLAS call that fails is named by its status (e.g. CUBLAS_STATUS_EXECUTION_FAILED); the backend then
 * {@link #fallBack falls back} to the own kernels for good, with one warning, and redoes the product with them.
 * cuBLAS gets its workspace from Kiln ({@code cublasSetWorkspace}), so its size is known to the memory estimate.
 */
final class Gemm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);
    private static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUDA_R_16F = 2, CUDA_R_32F = 0, CUBLAS_COMPUTE_32F = 68,
            CUBLAS_GEMM_DEFAULT = -1;
    private static boolean logged;

    /** The cuBLAS calls Kiln makes, behind an interface so tests can make them fail. */
    interface Blas {
        /** cuBLAS through JCublas2 (its natives load on the first call). */
        Blas CUBLAS = new JCublasCalls();

        int create(cublasHandle handle);

        int setStream(cublasHandle handle, CUstream stream);

        int setWorkspace(cublasHandle handle, CUdeviceptr workspace, long bytes);

        /** cublasGemmEx with F16 A and B, F32 C, F32 compute; alpha = 1, beta = 0. */
        int gemmF16(cublasHandle handle, int transa, int transb, int m, int n, int k, CUdeviceptr a, int lda, CUdeviceptr b,
                    int ldb, CUdeviceptr c, int ldc);

        int destroy(cublasHandle handle);
    }

    /** A cuBLAS call failed; the message names the call, the shape and the status. */
    static final class CublasException extends CudaException {
        private static final long serialVersionUID = 1L;

        CublasException(String message, int status) {
            super(message, status);
        }
    }

    private final Blas blas;
    private cublasHandle handle;   // null when the own kernels run
    private String kernelPrefix;   // "mmw_" or "mm_" when cuBLAS is not used
    private String reason;
    private DeviceBuffer workspace;

    private Gemm(Blas blas, cublasHandle handle, DeviceBuffer workspace, String kernelPrefix, String reason) {
        this.blas = blas;
        this.handle = handle;
        this.workspace = workspace;
        this.kernelPrefix = kernelPrefix;
        this.reason = reason;
        log(describe());
    }

    private static synchronized void log(String what) {
        if (!logged) {
            logged = true;
            LOG.info("cuda prefill: {}", what);
        }
    }

    /** The path for option cuda.prefill = auto | cublas | wmma | tiles. */
    static Gemm open(Blas blas, CudaContext context, CUstream stream, String prefill, long workspaceBytes) {
        switch (prefill) {
            case "wmma":
                return new Gemm(blas, null, null, "mmw_", "chosen by cuda.prefill=wmma");
            case "tiles":
                return new Gemm(blas, null, null, "mm_", "chosen by cuda.prefill=tiles");
            case "auto", "cublas":
                break;
            default:
                throw new dev.kiln.core.spi.BackendException("cuda.prefill: expected auto, cublas, wmma or tiles, found " + prefill);
        }
        try {
            cublasHandle h = new cublasHandle();
            int r = blas.create(h);
            if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
                return new Gemm(blas, null, null, "mmw_", "cublasCreate failed: " + status(r));
            }
            blas.setStream(h, stream);
            DeviceBuffer ws = DeviceBuffer.allocate(context, workspaceBytes, "cuBLAS workspace");
            if (blas.setWorkspace(h, ws.pointer(), workspaceBytes) != cublasStatus.CUBLAS_STATUS_SUCCESS) {
                ws.close();   // cuBLAS keeps its own default workspace
                ws = null;
            }
            return new Gemm(blas, h, ws, null, null);
        } catch (LinkageError e) {
            return new Gemm(blas, null, null, "mmw_", CudaProbe.nativeFailure(e).replace("no CUDA driver: ", "cuBLAS unavailable: "));
        }
    }

    /** "CUBLAS_STATUS_EXECUTION_FAILED (13)". */
    static String status(int r) {
        return cublasStatus.stringFor(r) + " (" + r + ")";
    }

    /** The own kernel family ("mmw_" tensor cores or "mm_" FP32 tiles); null when cuBLAS runs. */
    String kernelPrefix() {
        return kernelPrefix;
    }

    /** Bytes of the workspace given to cuBLAS (0 without cuBLAS). */
    long workspaceBytes() {
        return workspace == null ? 0 : workspace.sizeBytes();
    }

    boolean isCublas() {
        return handle != null;
    }

    String describe() {
        if (handle != null) {
            return "cuBLAS cublasGemmEx (F16 in, F32 accumulate)";
        }
        return (kernelPrefix.equals("mmw_") ? "own tensor-core PTX mmw_* (F16 in, F32 accumulate)" : "own FP32 PTX tiles mm_*")
                + " (" + reason + ")";
    }

    /**
     * y = w . x for a slice of output rows, all row-major: w F16 [m][k] (the slice), x F16 [n][k], y F32 [n][ldc] at
     * the slice's first row. In cuBLAS's column-major terms: C (m x n, ld ldc) = W^T (W stored k x m, ld k) . X (k x n).
     *
     * @throws CublasException naming the status when cuBLAS refuses
     */
    void gemmF16(CUdeviceptr w, CUdeviceptr x, CUdeviceptr y, int m, int k, int n, int ldc) {
        int r = blas.gemmF16(handle, CUBLAS_OP_T, CUBLAS_OP_N, m, n, k, w, k, x, k, y, ldc);
        if (r != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CublasException("cublasGemmEx [" + m + " x " + k + "] x " + n + " tokens: " + status(r), r);
        }
    }

    /** Gives up cuBLAS for the own tensor-core kernels, once, with a warning saying why. */
    void fallBack(String why) {
        if (handle == null) {
            return;
        }
        LOG.warn("cuda prefill: {}; the own tensor-core kernels mmw_* take over from now on", why);
        blas.destroy(handle);
        handle = null;
        kernelPrefix = "mmw_";
        reason = "after " + why;
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            blas.destroy(handle);
            handle = null;
        }
        if (workspace != null) {
            workspace.close();
            workspace = null;
        }
    }

    /** {@link Blas} through JCublas2's static methods. */
    static final class JCublasCalls implements Blas {
        @Override
        public int create(cublasHandle handle) {
            JCublas2.setExceptionsEnabled(false);
            return JCublas2.cublasCreate(handle);
        }

        @Override
        public int setStream(cublasHandle handle, CUstream stream) {
            return JCublas2.cublasSetStream(handle, new cudaStream_t(stream));
        }

        @Override
        public int setWorkspace(cublasHandle handle, CUdeviceptr workspace, long bytes) {
            return JCublas2.cublasSetWorkspace(handle, workspace, bytes);
        }

        @Override
        public int gemmF16(cublasHandle handle, int transa, int transb, int m, int n, int k, CUdeviceptr a, int lda, CUdeviceptr b,
                           int ldb, CUdeviceptr c, int ldc) {
            return JCublas2.cublasGemmEx(handle, transa, transb, m, n, k, Pointer.to(new float[] {1f}), a, CUDA_R_16F, lda,
                    b, CUDA_R_16F, ldb, Pointer.to(new float[] {0f}), c, CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
        }

        @Override
        public int destroy(cublasHandle handle) {
            return JCublas2.cublasDestroy(handle);
        }
    }
}
