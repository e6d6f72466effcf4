package dev.kiln.cuda;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Attention;
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
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * One CUDA device opened for Kiln: the device's primary context, one stream that every op is queued on, the four
 * PTX modules, and everything uploaded or allocated through it (freed by {@link #close()}). Weights are uploaded
 * once, in their GGUF layout; activations and the F16 KV cache live on the device; only {@link #toHost} and
 * {@link #fromHost} cross to the host. Opening either completes or releases what it took (stream, modules, context).
 *
 * <pre>
 *   upload(TensorData) --H2D once--> CudaTensor (GGUF blocks)
 *   fromHost(x) -> [ rmsnorm -> q8x -> mv_T_cN (dp4a) | mmw_T / cuBLAS ] -> rope -> kv_store -> attn_partial+combine ... -> toHost(logits)
 * </pre>
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);
    /** Weight types with kernels here; others stay on the CPU (the loader asks {@link #supports}). */
    static final java.util.Set<GgmlType> WEIGHT_TYPES = Blocks.SUPPORTED;
    /**
     * Device memory the driver takes for the context itself (its own allocations, the loaded PTX modules, cuBLAS's
     * kernels), which no allocation of Kiln's shows: an assumed figure for the memory estimate (typical of CUDA 12 on
     * Turing..Hopper with lazy module loading; not measured here). -ngl auto does not need it: free memory is read
     * after the context exists.
     */
    static final long CONTEXT_BYTES = 300L << 20;

    private final Driver driver;
    private final int deviceIndex;
    private final CUdevice device = new CUdevice();
    private final CudaContext context;
    private final CUstream stream = new CUstream();
    private final Map<Ptx, CudaModule> modules = new EnumMap<>(Ptx.class);
    private final List<CudaTensor> tensors = new ArrayList<>();
    private final int computeCapability;
    private final String description;
    private final CudaOps ops;
    private boolean closed;

    private CudaBackend(Driver driver, Gemm.Blas blas, String deviceDescription, int deviceIndex, String prefill, boolean graphs) {
        this.driver = driver;
        this.deviceIndex = deviceIndex;
        CudaException.check(driver.deviceGet(device, deviceIndex), "cuDeviceGet " + deviceIndex);
        int cc = CudaProbe.computeCapability(driver, device);
        if (cc >= 0 && cc < CudaProbe.MIN_COMPUTE_CAPABILITY) {
            throw new CudaException(CudaProbe.deviceName(driver, device) + ": " + CudaProbe.tooOld(cc), CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU);
        }
        this.computeCapability = cc;
        CUcontext handle = new CUcontext();
        CudaException.check(driver.primaryCtxRetain(handle, device), "cuDevicePrimaryCtxRetain " + deviceIndex);
        this.context = new CudaContext(driver, handle);
        boolean streamMade = false;
        Gemm gemm = null;
        try {
            context.bind();
            CudaException.check(driver.streamCreate(stream, 0), "cuStreamCreate");
            streamMade = true;
            for (Ptx ptx : Ptx.values()) {
                modules.put(ptx, CudaModule.load(driver, ptx));
            }
            gemm = Gemm.open(blas, context, stream, prefill, Workspace.cublasWorkspaceBytes(cc));
            this.ops = new CudaOps(this, gemm, graphs);
        } catch (RuntimeException | Error e) {
            // nothing of a half-opened device may stay behind: the CPU fallback runs in this process
            if (gemm != null) {
                quietly(gemm::close, e);
            }
            for (CudaModule m : modules.values()) {
                quietly(m::close, e);
            }
            modules.clear();
            if (streamMade) {
                driver.streamDestroy(stream);
            }
            driver.primaryCtxRelease(device);
            context.unbound();
            throw e;
        }
        this.description = "cuda:" + deviceIndex + " " + deviceDescription + ", prefill " + gemm.describe()
                + (graphs ? ", CUDA graphs for repeated steps" : "");
    }

    private static void quietly(Runnable close, Throwable into) {
        try {
            close.run();
        } catch (RuntimeException suppressed) {
            into.addSuppressed(suppressed);
        }
    }

    /** Opens device {@code cuda.device} of {@code config}. */
    static CudaBackend open(BackendConfig config) {
        return open(Driver.CUDA, Gemm.Blas.CUBLAS, CudaProbe.get(), config);
    }

    /** Opens a device through {@code driver} and {@code blas} (tests pass fakes). */
    static CudaBackend open(Driver driver, Gemm.Blas blas, CudaProbe probe, BackendConfig config) {
        if (!probe.available()) {
            throw new BackendException("cuda unavailable: " + probe.description());
        }
        int index = config.get(CudaBackendProvider.DEVICE);
        if (index < 0 || index >= probe.devices()) {
            throw new BackendException("cuda device " + index + ": expected 0.." + (probe.devices() - 1));
        }
        try {
            return new CudaBackend(driver, blas, probe.description(), index, config.get(CudaBackendProvider.PREFILL),
                    config.get(CudaBackendProvider.GRAPHS));
        } catch (CudaException e) {
            throw new BackendException("cuda open device " + index + ": " + e.getMessage(), e);
        }
    }

    /** Makes the context current on the calling thread (contexts are current per thread). */
    void bind() {
        context.bind();
    }

    CudaContext context() {
        return context;
    }

    Driver driver() {
        return driver;
    }

    /** Compute capability as major * 10 + minor (-1 when the driver did not say). */
    int computeCapability() {
        return computeCapability;
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

    /** The attention kernels take equal, even key and value lengths up to 256; other blocks stay on the CPU. */
    @Override
    public boolean supports(Attention attention) {
        return CudaOps.attentionSupported(attention);
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
        DeviceBuffer buffer = allocateBuffer(weights.segment().byteSize(), name);
        try {
            buffer.upload(weights.segment());
        } catch (CudaException e) {
            buffer.close();
            throw new BackendException("cuda: " + e.getMessage(), e);
        }
        return track(new CudaTensor(buffer, type, elements, shape[0], name, this::untrack));
    }

    @Override
    public DeviceTensor allocate(long floats) {
        bind();
        ops.flush();
        return track(new CudaTensor(allocateBuffer(4 * floats, "activations [" + floats + " floats]"), GgmlType.F32, floats, floats,
                "activations", this::untrack));
    }

    @Override
    public DeviceTensor allocateCache(GgmlType type, long elements) {
        if (!supportsCache(type)) {
            throw new BackendException("cuda KV cache: type " + type + " unsupported (F16 only)");
        }
        bind();
        ops.flush();
        return track(new CudaTensor(allocateBuffer(type.byteSize(elements), "KV cache [" + elements + " " + type + "]"), type, elements,
                elements, "kv", this::untrack));
    }

    private DeviceBuffer allocateBuffer(long bytes, String what) {
        try {
            return DeviceBuffer.allocate(context, bytes, what);
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

    private void untrack(CudaTensor t) {
        synchronized (tensors) {
            tensors.remove(t);
        }
    }

    /** Tensors made here and not closed yet. */
    int openTensors() {
        synchronized (tensors) {
            return tensors.size();
        }
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
        CudaException.check(driver.streamSynchronize(stream), "cuStreamSynchronize before toHost");
        CudaException.check(driver.memcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOffset), t.buffer().pointer(), 4L * floats),
                "toHost " + t);
    }

    @Override
    public void fromHost(float[] src, DeviceTensor dst, int floats) {
        bind();
        CudaTensor t = tensor(dst);
        ops.written(t);
        ops.flush();
        CudaException.check(driver.streamSynchronize(stream), "cuStreamSynchronize before fromHost");
        CudaException.check(driver.memcpyHtoD(t.buffer().pointer(), Pointer.to(src), 4L * floats), "fromHost " + t);
    }

    @Override
    public void synchronize() {
        bind();
        ops.flush();
        CudaException.check(driver.streamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public long freeMemoryBytes() {
        bind();
        long[] free = {0}, total = {0};
        CudaException.check(driver.memGetInfo(free, total), "cuMemGetInfo");
        return free[0];
    }

    @Override
    public long workspaceBytes(HyperParams hp, int batchRows) {
        return workspaceBytes(hp, batchRows, hp.contextLength());
    }

    @Override
    public long workspaceBytes(HyperParams hp, int batchRows, int contextCells) {
        return Workspace.bytes(hp, batchRows, contextCells, ops.gemm().isCublas(), computeCapability);
    }

    @Override
    public long contextBytes() {
        return CONTEXT_BYTES;
    }

    static CudaTensor tensor(DeviceTensor t) {
        if (t instanceof CudaTensor c) {
            return c;
        }
        throw new BackendException("cuda: tensor " + t + " belongs to another backend");
    }

    /**
     * Frees everything made here, releases the stream, modules and context. A free the driver refuses is logged (with
     * how many failed) rather than stopping the rest; the context's release returns the memory in the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = new ArrayList<>();
        try {
            bind();
            ops.flush();
            int r = driver.streamSynchronize(stream);
            if (r != CUresult.CUDA_SUCCESS) {
                failures.add("cuStreamSynchronize: " + CUresult.stringFor(r));
            }
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
        }
        try {
            ops.close();
        } catch (RuntimeException e) {
            failures.add(e.getMessage());
        }
        List<CudaTensor> all;
        synchronized (tensors) {
            all = new ArrayList<>(tensors);
        }
        for (CudaTensor t : all) {
            try {
                t.close();
            } catch (RuntimeException e) {
                failures.add(e.getMessage());
            }
        }
        modules.values().forEach(CudaModule::close);
        modules.clear();
        driver.streamDestroy(stream);
        driver.primaryCtxRelease(device);
        context.unbound();
        if (!failures.isEmpty()) {
            LOG.warn("cuda:{} close: {} of the frees and syncs failed, first: {}", deviceIndex, failures.size(), failures.getFirst());
        }
    }

    @Override
    public String toString() {
        return "CudaBackend[" + deviceIndex + "]";
    }
}
