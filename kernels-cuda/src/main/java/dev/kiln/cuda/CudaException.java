package dev.kiln.cuda;

import jcuda.driver.CUresult;

/**
 * A CUDA driver call failed. The message names the call and what it was for (the kernel with its grid, or the
 * allocation with its size), e.g. "cuLaunchKernel mv_Q4_K grid [1024,1,1] block [128,1,1]: CUDA_ERROR_LAUNCH_FAILED".
 * The backend rethrows it as the SPI's BackendException with the operation and tensor shapes.
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int result;

    public CudaException(String message, int result) {
        super(message);
        this.result = result;
    }

    /** The CUresult code. */
    public int result() {
        return result;
    }

    /** Throws when {@code result} is not CUDA_SUCCESS; {@code what} says which call for what. */
    static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(what + ": " + CUresult.stringFor(result), result);
        }
    }
}
