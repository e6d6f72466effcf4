package dev.kiln.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A CUDA driver without a GPU, for the failure paths: device memory is a map of fake addresses to sizes with a
 * capacity (allocations beyond it answer CUDA_ERROR_OUT_OF_MEMORY), contexts are current per thread as in the real
 * driver (cuMemFree on a thread without one answers CUDA_ERROR_INVALID_CONTEXT), the compute capability and the
 * module load result are settable, and every launch is recorded. A launch or copy that names an address no live
 * allocation covers is a use after free: it is counted and answered CUDA_ERROR_ILLEGAL_ADDRESS, as a GPU would
 * (eventually) answer it.
 */
class FakeDriver implements Driver {
    private static final Field NATIVE_POINTER;
    private static final Method GET_NATIVE_POINTER;
    private static final Method GET_BYTE_OFFSET;

    static {
        try {
            NATIVE_POINTER = NativePointerObject.class.getDeclaredField("nativePointer");
            NATIVE_POINTER.setAccessible(true);
            GET_NATIVE_POINTER = NativePointerObject.class.getDeclaredMethod("getNativePointer");
            GET_NATIVE_POINTER.setAccessible(true);
            Method offset = Pointer.class.getDeclaredMethod("getByteOffset");
            offset.setAccessible(true);
            GET_BYTE_OFFSET = offset;
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One recorded launch. */
    record Launched(String name, int[] grid, int[] block, List<Object> values, List<Long> addresses) {}

    long capacity = 8L << 30;
    int ccMajor = 8, ccMinor = 9;
    int moduleLoadResult = CUresult.CUDA_SUCCESS;
    int freeResult = CUresult.CUDA_SUCCESS;
    LongPredicate failAllocation = bytes -> false;   // answers OOM for sizes it accepts
    final Map<Long, Long> live = new LinkedHashMap<>();
    final Map<Long, String> freedAt = new LinkedHashMap<>();
    final List<Launched> launches = new ArrayList<>();
    final List<String> useAfterFree = new ArrayList<>();
    final java.util.Set<Long> written = new java.util.HashSet<>();   // allocations a host copy wrote since they were made
    int retains, releases, streamsCreated, streamsDestroyed, modulesLoaded, modulesUnloaded, frees;
    private long nextAddress = 0x10000;
    private final ThreadLocal<Long> current = new ThreadLocal<>();

    static long address(NativePointerObject p) {
        try {
            return (long) GET_NATIVE_POINTER.invoke(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    static long offset(Pointer p) {
        try {
            return (long) GET_BYTE_OFFSET.invoke(p);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void setAddress(NativePointerObject p, long address) {
        try {
            NATIVE_POINTER.setLong(p, address);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    long used() {
        return live.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether [address + offset, + bytes) lies in a live allocation; records a use after free otherwise. */
    boolean valid(CUdeviceptr p, long bytes, String what) {
        long a = address(p);
        if (a == 0) {
            return true;   // a null parameter (e.g. no scales)
        }
        long at = a + offset(p);
        Long size = live.get(a);
        if (size == null || at + bytes > a + size) {
            useAfterFree.add(what + " at 0x" + Long.toHexString(at) + (freedAt.containsKey(a) ? " (freed " + freedAt.get(a) + ")" : " (never allocated)"));
            return false;
        }
        return true;
    }

    @Override
    public int init(int flags) {
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int deviceGetCount(int[] count) {
        count[0] = 1;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int deviceGet(CUdevice device, int ordinal) {
        return ordinal == 0 ? CUresult.CUDA_SUCCESS : CUresult.CUDA_ERROR_INVALID_DEVICE;
    }

    @Override
    public int deviceGetName(byte[] name, int length, CUdevice device) {
        byte[] n = "Fake GPU".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(n, 0, name, 0, n.length);
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int deviceGetAttribute(int[] value, int attribute, CUdevice device) {
        if (attribute == CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) {
            value[0] = ccMajor;
        } else if (attribute == CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) {
            value[0] = ccMinor;
        } else {
            return CUresult.CUDA_ERROR_INVALID_VALUE;
        }
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int driverGetVersion(int[] version) {
        version[0] = 12040;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int primaryCtxRetain(CUcontext context, CUdevice device) {
        setAddress(context, 0xC0);
        retains++;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int primaryCtxRelease(CUdevice device) {
        releases++;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int ctxSetCurrent(CUcontext context) {
        current.set(address(context));
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int ctxGetCurrent(CUcontext context) {
        Long c = current.get();
        setAddress(context, c == null ? 0 : c);
        return CUresult.CUDA_SUCCESS;
    }

    private boolean hasContext() {
        Long c = current.get();
        return c != null && c != 0;
    }

    @Override
    public int streamCreate(CUstream stream, int flags) {
        streamsCreated++;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int streamDestroy(CUstream stream) {
        streamsDestroyed++;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int streamSynchronize(CUstream stream) {
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int moduleLoadData(CUmodule module, byte[] image) {
        if (moduleLoadResult == CUresult.CUDA_SUCCESS) {
            modulesLoaded++;
        }
        return moduleLoadResult;
    }

    @Override
    public int moduleUnload(CUmodule module) {
        modulesUnloaded++;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int moduleGetFunction(CUfunction function, CUmodule module, String name) {
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public synchronized int memAlloc(CUdeviceptr pointer, long bytes) {
        if (!hasContext()) {
            return CUresult.CUDA_ERROR_INVALID_CONTEXT;
        }
        if (used() + bytes > capacity || failAllocation.test(bytes)) {
            return CUresult.CUDA_ERROR_OUT_OF_MEMORY;
        }
        long a = nextAddress;
        nextAddress += (bytes + 0xFFFF) & ~0xFFFFL;
        setAddress(pointer, a);
        live.put(a, bytes);
        written.remove(a);
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public synchronized int memFree(CUdeviceptr pointer) {
        if (!hasContext()) {
            return CUresult.CUDA_ERROR_INVALID_CONTEXT;
        }
        if (freeResult != CUresult.CUDA_SUCCESS) {
            return freeResult;
        }
        long a = address(pointer);
        if (live.remove(a) == null) {
            return CUresult.CUDA_ERROR_INVALID_VALUE;
        }
        freedAt.put(a, "by free #" + ++frees);
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int memsetD8(CUdeviceptr pointer, byte value, long bytes) {
        return valid(pointer, bytes, "cuMemsetD8") ? CUresult.CUDA_SUCCESS : CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
    }

    @Override
    public int memGetInfo(long[] free, long[] total) {
        free[0] = capacity - used();
        total[0] = capacity;
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int memcpyHtoD(CUdeviceptr dst, Pointer src, long bytes) {
        if (!valid(dst, bytes, "cuMemcpyHtoD")) {
            return CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
        }
        written.add(address(dst));
        return CUresult.CUDA_SUCCESS;
    }

    @Override
    public int memcpyHtoDAsync(CUdeviceptr dst, Pointer src, long bytes, CUstream stream) {
        return memcpyHtoD(dst, src, bytes);
    }

    @Override
    public int memcpyDtoH(Pointer dst, CUdeviceptr src, long bytes) {
        return valid(src, bytes, "cuMemcpyDtoH") ? CUresult.CUDA_SUCCESS : CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
    }

    @Override
    public int memcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream) {
        return valid(dst, bytes, "cuMemcpyDtoD") & valid(src, bytes, "cuMemcpyDtoD") ? CUresult.CUDA_SUCCESS
                : CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
    }

    @Override
    public int launchKernel(Launch launch, CUstream stream) {
        launches.add(new Launched(launch.name(), launch.gridDims(), launch.blockDims(), launch.values(),
                launch.pointerArgs().stream().map(FakeDriver::address).toList()));
        boolean ok = true;
        for (CUdeviceptr p : launch.pointerArgs()) {
            ok &= valid(p, 1, launch.name());
        }
        return ok ? CUresult.CUDA_SUCCESS : CUresult.CUDA_ERROR_ILLEGAL_ADDRESS;
    }

    /** Names of the launches since the last call, and forgets them. */
    List<String> takeLaunchNames() {
        List<String> names = launches.stream().map(Launched::name).toList();
        launches.clear();
        return names;
    }
}
