package dev.kiln.cuda;

import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA driver calls the backend makes, one method per call with the driver's signature and its CUresult. The
 * backend reaches the driver only through this interface (except StepGraphs' graph calls), so tests drive the
 * failure paths a GPU would be needed for (out of memory, a refused PTX module, an old compute capability, a free on
 * a thread without the context) with a fake. {@link #CUDA} is the real driver through JCuda.
 */
interface Driver {
    /** The real driver (JCuda's natives load on the first call). */
    Driver CUDA = new JCudaCalls();

    int init(int flags);

    int deviceGetCount(int[] count);

    int deviceGet(CUdevice device, int ordinal);

    int deviceGetName(byte[] name, int length, CUdevice device);

    int deviceGetAttribute(int[] value, int attribute, CUdevice device);

    int driverGetVersion(int[] version);

    int primaryCtxRetain(CUcontext context, CUdevice device);

    int primaryCtxRelease(CUdevice device);

    int ctxSetCurrent(CUcontext context);

    int ctxGetCurrent(CUcontext context);

    int streamCreate(CUstream stream, int flags);

    int streamDestroy(CUstream stream);

    int streamSynchronize(CUstream stream);

    int moduleLoadData(CUmodule module, byte[] image);

    int moduleUnload(CUmodule module);

    int moduleGetFunction(CUfunction function, CUmodule module, String name);

    int memAlloc(CUdeviceptr pointer, long bytes);

    int memFree(CUdeviceptr pointer);

    int memsetD8(CUdeviceptr pointer, byte value, long bytes);

    int memGetInfo(long[] free, long[] total);

    int memcpyHtoD(CUdeviceptr dst, Pointer src, long bytes);

    int memcpyHtoDAsync(CUdeviceptr dst, Pointer src, long bytes, CUstream stream);

    int memcpyDtoH(Pointer dst, CUdeviceptr src, long bytes);

    int memcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream);

    /** cuLaunchKernel with {@code launch}'s function, grid, block, shared memory and parameters. */
    int launchKernel(Launch launch, CUstream stream);

    /** {@link Driver} through JCuda's static JCudaDriver methods. */
    final class JCudaCalls implements Driver {
        @Override
        public int init(int flags) {
            JCudaDriver.setExceptionsEnabled(false);   // every call's CUresult is checked by the caller
            return JCudaDriver.cuInit(flags);
        }

        @Override
        public int deviceGetCount(int[] count) {
            return JCudaDriver.cuDeviceGetCount(count);
        }

        @Override
        public int deviceGet(CUdevice device, int ordinal) {
            return JCudaDriver.cuDeviceGet(device, ordinal);
        }

        @Override
        public int deviceGetName(byte[] name, int length, CUdevice device) {
            return JCudaDriver.cuDeviceGetName(name, length, device);
        }

        @Override
        public int deviceGetAttribute(int[] value, int attribute, CUdevice device) {
            return JCudaDriver.cuDeviceGetAttribute(value, attribute, device);
        }

        @Override
        public int driverGetVersion(int[] version) {
            return JCudaDriver.cuDriverGetVersion(version);
        }

        @Override
        public int primaryCtxRetain(CUcontext context, CUdevice device) {
            return JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        }

        @Override
        public int primaryCtxRelease(CUdevice device) {
            return JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }

        @Override
        public int ctxSetCurrent(CUcontext context) {
            return JCudaDriver.cuCtxSetCurrent(context);
        }

        @Override
        public int ctxGetCurrent(CUcontext context) {
            return JCudaDriver.cuCtxGetCurrent(context);
        }

        @Override
        public int streamCreate(CUstream stream, int flags) {
            return JCudaDriver.cuStreamCreate(stream, flags);
        }

        @Override
        public int streamDestroy(CUstream stream) {
            return JCudaDriver.cuStreamDestroy(stream);
        }

        @Override
        public int streamSynchronize(CUstream stream) {
            return JCudaDriver.cuStreamSynchronize(stream);
        }

        @Override
        public int moduleLoadData(CUmodule module, byte[] image) {
            return JCudaDriver.cuModuleLoadData(module, image);
        }

        @Override
        public int moduleUnload(CUmodule module) {
            return JCudaDriver.cuModuleUnload(module);
        }

        @Override
        public int moduleGetFunction(CUfunction function, CUmodule module, String name) {
            return JCudaDriver.cuModuleGetFunction(function, module, name);
        }

        @Override
        public int memAlloc(CUdeviceptr pointer, long bytes) {
            return JCudaDriver.cuMemAlloc(pointer, bytes);
        }

        @Override
        public int memFree(CUdeviceptr pointer) {
            return JCudaDriver.cuMemFree(pointer);
        }

        @Override
        public int memsetD8(CUdeviceptr pointer, byte value, long bytes) {
            return JCudaDriver.cuMemsetD8(pointer, value, bytes);
        }

        @Override
        public int memGetInfo(long[] free, long[] total) {
            return JCudaDriver.cuMemGetInfo(free, total);
        }

        @Override
        public int memcpyHtoD(CUdeviceptr dst, Pointer src, long bytes) {
            return JCudaDriver.cuMemcpyHtoD(dst, src, bytes);
        }

        @Override
        public int memcpyHtoDAsync(CUdeviceptr dst, Pointer src, long bytes, CUstream stream) {
            return JCudaDriver.cuMemcpyHtoDAsync(dst, src, bytes, stream);
        }

        @Override
        public int memcpyDtoH(Pointer dst, CUdeviceptr src, long bytes) {
            return JCudaDriver.cuMemcpyDtoH(dst, src, bytes);
        }

        @Override
        public int memcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream) {
            return JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream);
        }

        @Override
        public int launchKernel(Launch l, CUstream stream) {
            int[] g = l.gridDims(), b = l.blockDims();
            return JCudaDriver.cuLaunchKernel(l.function(), g[0], g[1], g[2], b[0], b[1], b[2], l.sharedBytes(), stream,
                    l.parameters(), null);
        }
    }
}
