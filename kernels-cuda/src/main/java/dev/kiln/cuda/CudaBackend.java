package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.BackendConfig;
import dev.kiln.core.spi.BackendException;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.cuda.reference.Blocks;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUstream;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

/**
 * One CUDA device opened for Kiln: the device's primary context, one stream that every op is queued on, the four
 * PTX modules, and everything uploaded or allocated through it (freed by {@link #close()}). Weights are uploaded
 * once, in their GGUF layout; activations and the F16 KV cache live on the device; only {@link #toHost} and
 * {@link #fromHost} cross to the host.
 *
 * <pre>
 *   upload(TensorData) --H2D once--> CudaTensor (GGUF blocks)
 *   fromHost(x) -> [ rmsnorm -> q8x -> mv_T (dp4a) | mm_T / cuBLAS ] -> rope -> kv_store -> attn_partial+combine ... -> toHost(logits)
 * </pre>
 */
public final class CudaBackend implements Backend {
    /** Weight types with kernels here; others stay on the CPU (the loader asks {@link #supports}). */
    static final java.util.Set<GgmlType> WEIGHT_TYPES = Blocks.SUPPORTED;

    private final int deviceIndex;
    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CUstream stream = new CUstream();
    private final Map<Ptx, CudaModule> modules = new EnumMap<>(Ptx.class);
    private final List<CudaTensor> tensors = new ArrayList<>();
    private final String description;
    private final CudaOps ops;
    private volatile Thread boundThread;

    private CudaBackend(int deviceIndex, String prefill, boolean graphs) {
        this.deviceIndex = deviceIndex;
        CudaException.check(cuDeviceGet(device, deviceIndex), "cuDeviceGet " + deviceIndex);
        CudaException.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain " + deviceIndex);
        bind();
        CudaException.check(cuStreamCreate(stream, 0), "cuStreamCreate");
        for (Ptx ptx : Ptx.values()) {
            modules.put(ptx, CudaModule.load(ptx));
        }
        Gemm gemm = Gemm.open(stream, prefill);
        this.ops = new CudaOps(this, gemm, graphs);
        this.description = "cuda:" + deviceIndex + " " + CudaProbe.get().description() + ", prefill " + gemm.describe()
                + (graphs ? ", CUDA graphs for repeated steps" : "");
    }

    /** Opens device {@code cuda.device} of {@code config}. */
    static CudaBackend open(BackendConfig config) {
        CudaProbe probe = CudaProbe.get();
        if (!probe.available()) {
            throw new BackendException("cuda unavailable: " + probe.description());
        }
        int index = config.get(CudaBackendProvider.DEVICE);
        if (index < 0 || index >= probe.devices()) {
            throw new BackendException("cuda device " + index + ": expected 0.." + (probe.devices() - 1));
        }
        try {
            return new CudaBackend(index, config.get(CudaBackendProvider.PREFILL), config.get(CudaBackendProvider.GRAPHS));
        } catch (CudaException e) {
            throw new BackendException("cuda open device " + index + ": " + e.getMessage(), e);
        }
    }

    /** Makes the context current on the calling thread (JCuda contexts are per thread). */
    void bind() {
        Thread t = Thread.currentThread();
        if (boundThread != t) {
            CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            boundThread = t;
        }
    }

    /** CUDA graph statistics ("captured 2, replayed 254"), or null when graphs are off. */
    public String graphStats() {
        return ops.graphStats();
    }

    CUstream stream() {
        return stream;
    }

    CudaModule module(Ptx ptx) {
        return modules.get(ptx);
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean supports(GgmlType weightType) {
        return WEIGHT_TYPES.contains(weightType);
    }

    @Override
    public boolean supportsCache(GgmlType cacheType) {
        return cacheType == GgmlType.F16;
    }

    @Override
    public DeviceTensor upload(TensorData weights) {
        GgmlType type = weights.info().type();
        String name = weights.info().name();
        if (!supports(type)) {
            throw new BackendException("cuda upload " + name + ": type " + type + " has no CUDA kernel (supported: " + WEIGHT_TYPES + ")");
        }
        long[] shape = weights.info().shape();
        bind();
        ops.flush();
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        bind();
        DeviceBuffer buffer = allocateBuffer(weights.segment().byteSize(), name);
        buffer.upload(weights.segment());
        return track(new CudaTensor(buffer, type, elements, shape[0], name));
    }

    @Override
    public DeviceTensor allocate(long floats) {
        bind();
        ops.flush();
        return track(new CudaTensor(allocateBuffer(4 * floats, "activations [" + floats + " floats]"), GgmlType.F32, floats, floats, "activations"));
    }

    @Override
    public DeviceTensor allocateCache(GgmlType type, long elements) {
        if (!supportsCache(type)) {
            throw new BackendException("cuda KV cache: type " + type + " unsupported (F16 only)");
        }
        bind();
        ops.flush();
        return track(new CudaTensor(allocateBuffer(type.byteSize(elements), "KV cache [" + elements + " " + type + "]"), type, elements, elements, "kv"));
    }

    private DeviceBuffer allocateBuffer(long bytes, String what) {
        try {
            return DeviceBuffer.allocate(bytes, what);
        } catch (CudaException e) {
            throw new BackendException("cuda: " + e.getMessage(), e);
        }
    }

    private CudaTensor track(CudaTensor t) {
        synchronized (tensors) {
            tensors.add(t);
        }
        return t;
    }

    @Override
    public Ops ops() {
        return ops;
    }

    @Override
    public void toHost(DeviceTensor src, float[] dst, int dstOffset, int floats) {
        bind();
        CudaTensor t = tensor(src);
        java.util.Objects.checkFromIndexSize(dstOffset, floats, dst.length);
        ops.flush();
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize before toHost");
        CudaException.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), t.buffer().pointer(), 4L * floats),
                "toHost " + t);
    }

    @Override
    public void fromHost(float[] src, DeviceTensor dst, int floats) {
        bind();
        CudaTensor t = tensor(dst);
        ops.written(t);
        ops.flush();
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize before fromHost");
        CudaException.check(cuMemcpyHtoD(t.buffer().pointer(), Pointer.to(src), 4L * floats), "fromHost " + t);
    }

    @Override
    public void synchronize() {
        bind();
        ops.flush();
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public long freeMemoryBytes() {
        bind();
        long[] free = {0}, total = {0};
        CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return free[0];
    }

    @Override
    public long workspaceBytes(HyperParams hp, int batchRows) {
        return Workspace.bytes(hp, batchRows, hp.contextLength(), ops.gemm().isCublas());
    }

    static CudaTensor tensor(DeviceTensor t) {
        if (t instanceof CudaTensor c) {
            return c;
        }
        throw new BackendException("cuda: tensor " + t + " belongs to another backend");
    }

    @Override
    public void close() {
        bind();
        ops.flush();
        cuStreamSynchronize(stream);
        ops.close();
        synchronized (tensors) {
            tensors.forEach(CudaTensor::close);
            tensors.clear();
        }
        modules.values().forEach(CudaModule::close);
        modules.clear();
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }

    @Override
    public String toString() {
        return "CudaBackend[" + deviceIndex + "]";
    }
}
