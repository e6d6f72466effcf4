package dev.kiln.cuda;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.runtime.cudaStream_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prefill GEMM path, chosen once when the backend opens and logged once: cuBLAS {@code cublasGemmEx} (F16
 * inputs dequantized on the fly, F32 accumulate) where JCublas2 and libcublas.so.12 load, otherwise Kiln's own
 * tensor-core kernels {@code mmw_*} (WMMA, F16 operands, F32 accumulate), or on request the FP32 tiles {@code mm_*}.
 * JCublas 12.6 links libcublas.so.12; a machine with only CUDA 13's libcublas.so.13 gets the own path.
 */
final class Gemm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gemm.class);
    private static final int CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUDA_R_16F = 2, CUDA_R_32F = 0, CUBLAS_COMPUTE_32F = 68,
            CUBLAS_GEMM_DEFAULT = -1;
    private static boolean logged;

    private final cublasHandle handle;
    private final String kernelPrefix;   // "mmw_" or "mm_" when cuBLAS is not used
    private final String reason;

    private Gemm(cublasHandle handle, String kernelPrefix, String reason) {
        this.handle = handle;
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
    static Gemm open(CUstream stream, String prefill) {
        switch (prefill) {
            case "wmma":
                return new Gemm(null, "mmw_", "chosen by cuda.prefill=wmma");
            case "tiles":
                return new Gemm(null, "mm_", "chosen by cuda.prefill=tiles");
            case "auto", "cublas":
                break;
            default:
                throw new dev.kiln.core.spi.BackendException("cuda.prefill: expected auto, cublas, wmma or tiles, found " + prefill);
        }
        try {
            JCublas2.setExceptionsEnabled(false);
            cublasHandle h = new cublasHandle();
            int r = JCublas2.cublasCreate(h);
            if (r != 0) {
                return new Gemm(null, "mmw_", "cublasCreate failed (status " + r + ")");
            }
            JCublas2.cublasSetStream(h, new cudaStream_t(stream));
            return new Gemm(h, null, null);
        } catch (LinkageError e) {
            return new Gemm(null, "mmw_", CudaProbe.nativeFailure(e).replace("no CUDA driver: ", "cuBLAS unavailable: "));
        }
    }

    /** The own kernel family ("mmw_" tensor cores or "mm_" FP32 tiles); null when cuBLAS runs. */
    String kernelPrefix() {
        return kernelPrefix;
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
     * y [tokens][rows] = w [rows][cols] . x [tokens][cols], all row-major, w and x F16, y F32. In cuBLAS's
     * column-major terms: C (rows x tokens, ld rows) = W^T (W stored cols x rows, ld cols, transposed) . X (cols x tokens).
     */
    void gemmF16(CUdeviceptr w, CUdeviceptr x, CUdeviceptr y, int rows, int cols, int tokens) {
        int r = JCublas2.cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, rows, tokens, cols,
                Pointer.to(new float[] {1f}), w, CUDA_R_16F, cols, x, CUDA_R_16F, cols,
                Pointer.to(new float[] {0f}), y, CUDA_R_32F, rows, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
        if (r != 0) {
            throw new CudaException("cublasGemmEx [" + rows + " x " + cols + "] x " + tokens + " tokens: status " + r, r);
        }
    }

    @Override
    public void close() {
        if (handle != null) {
            JCublas2.cublasDestroy(handle);
        }
    }
}
