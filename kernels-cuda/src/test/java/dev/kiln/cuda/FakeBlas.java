package dev.kiln.cuda;

import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;

/** cuBLAS without a GPU: records GEMMs, checks their pointers against the fake driver's live memory, fails on request. */
class FakeBlas implements Gemm.Blas {
    private final FakeDriver driver;
    int gemmStatus = cublasStatus.CUBLAS_STATUS_SUCCESS;
    int gemms, created, destroyed;
    long workspaceBytes;

    FakeBlas(FakeDriver driver) {
        this.driver = driver;
    }

    @Override
    public int create(cublasHandle handle) {
        created++;
        return cublasStatus.CUBLAS_STATUS_SUCCESS;
    }

    @Override
    public int setStream(cublasHandle handle, CUstream stream) {
        return cublasStatus.CUBLAS_STATUS_SUCCESS;
    }

    @Override
    public int setWorkspace(cublasHandle handle, CUdeviceptr workspace, long bytes) {
        workspaceBytes = bytes;
        return cublasStatus.CUBLAS_STATUS_SUCCESS;
    }

    @Override
    public int gemmF16(cublasHandle handle, int transa, int transb, int m, int n, int k, CUdeviceptr a, int lda, CUdeviceptr b,
                       int ldb, CUdeviceptr c, int ldc) {
        gemms++;
        boolean ok = driver.valid(a, 2L * m * k, "cublasGemmEx A") & driver.valid(b, 2L * k * n, "cublasGemmEx B")
                & driver.valid(c, 4L * ((long) (n - 1) * ldc + m), "cublasGemmEx C");
        if (!ok) {
            return cublasStatus.CUBLAS_STATUS_EXECUTION_FAILED;
        }
        return gemmStatus;
    }

    @Override
    public int destroy(cublasHandle handle) {
        destroyed++;
        return cublasStatus.CUBLAS_STATUS_SUCCESS;
    }
}
