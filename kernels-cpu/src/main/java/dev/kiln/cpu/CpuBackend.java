package dev.kiln.cpu;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.cpu.quant.QuantKernels;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;

import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedKernels;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Packing;
import dev.kiln.cpu.simd.Species;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CPU backend. With {@link MatMulPrecision#Q8} (the default) weight matrices of a type with an integer kernel are
 * repacked at load into off-heap memory the backend owns (row-interleaved, {@link Packing}) and multiplied with 8-bit
 * activations; with {@link MatMulPrecision#F32}, and for the other types, weight matrices are the mapped
 * {@link TensorData} themselves (zero copy) multiplied with float activations. 1-D F32 weights (norms, biases) are
 * copied to the heap; activations and the KV cache are Java arrays. Work is split across a dedicated
 * {@link CpuThreads} pool of {@code BackendConfig.threads()} threads, never the common pool.
 */
public final class CpuBackend implements Backend {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final CpuThreads threads;
    private final CpuOps ops;
    private final MatMulPrecision precision;
    private final Arena packed = Arena.ofShared();
    private long packedBytes;
    private long packNanos;
    /** The packed types whose kernels were warmed up, once each at its first matrix (PackedMatMul.warmUp). */
    private final Set<GgmlType> warmedUp = EnumSet.noneOf(GgmlType.class);
    private int warmUpProducts;
    private long warmUpNanos;
    private volatile boolean closed;
    /** How long close() waits for a running product before it gives up freeing the repacked weights. */
    private static final long CLOSE_WAIT_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);
    private long sourceBytes;

    public CpuBackend(int threads, MatMulPrecision precision) {
        this.threads = new CpuThreads(threads);
        this.ops = new CpuOps(this.threads);
        this.precision = Objects.requireNonNull(precision, "precision");
    }


    /** The packed weight types whose kernels {@link PackedMatMul#warmUp} has run (each once, at its first matrix). */
    Set<GgmlType> warmedUp() {
        return EnumSet.copyOf(warmedUp);
    }

    /** The products those warm-ups ran, all types together. */
    int warmUpProducts() {
        return warmUpProducts;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        String s = "cpu, " + threads.threads() + (threads.threads() == 1 ? " thread" : " threads") + ", "
                + (precision == MatMulPrecision.F32 ? "f32 activations"
                : ops.floatBatchTokens() == PackedMatMul.FLOAT_BATCH_OFF ? "q8 activations"
                : "q8 activations, batches of " + ops.floatBatchTokens() + "+ tokens in float on " + decodingTypes());
        return packedBytes == 0 ? s : String.format(Locale.ROOT,
                "%s (%.0f MiB of weights repacked from %.0f MiB in %d ms, kernels warmed up in %d ms)", s,
                packedBytes / 1048576.0, sourceBytes / 1048576.0, packNanos / 1_000_000, warmUpNanos / 1_000_000);
    }

    /** The packed types whose batches may run in float ({@link PackedKernel#decodes()}), comma-separated. */
    private static String decodingTypes() {
        StringJoiner types = new StringJoiner(", ");
        for (GgmlType t : GgmlType.values()) {
            if (PackedKernels.supports(t) && PackedKernels.of(t).decodes()) {
                types.add(t.name());
            }
        }
        return types.toString();
    }

    @Override
    public boolean supports(GgmlType weightType) {
        return QuantKernels.supports(weightType);
    }

    @Override
    public boolean supportsCache(GgmlType cacheType) {
        return cacheType == GgmlType.F32 || cacheType == GgmlType.F16 || cacheType == GgmlType.Q8_0;
    }

    @Override
    public DeviceTensor upload(TensorData weights) {
        Objects.requireNonNull(weights, "weights");
        if (weights.info().rank() == 1 && weights.type() == GgmlType.F32) {
            return new CpuTensor.Floats(weights.segment().toArray(F32_LE));
        }
        if (!supports(weights.type())) {
            throw new IllegalArgumentException("tensor " + weights.name() + ": ggml type " + weights.type()
                    + " has no CPU kernel");
        }
        if (precision == MatMulPrecision.Q8 && weights.info().rank() == 2 && PackedKernels.supports(weights.type())) {
            PackedKernel kernel = PackedKernels.of(weights.type());
            if (weights.rowLength() % kernel.blockLength() == 0 && weights.rowCount() < Integer.MAX_VALUE
                    && weights.rowLength() < Integer.MAX_VALUE) {
                return pack(weights, kernel);
            }
        }
        return new CpuTensor.Weights(weights);
    }

    @Override
    public DeviceTensor uploadTable(TensorData table) {
        Objects.requireNonNull(table, "table");
        if (!supports(table.type())) {
            throw new IllegalArgumentException("tensor " + table.name() + ": ggml type " + table.type()
                    + " has no CPU kernel");
        }
        return new CpuTensor.Weights(table);
    }

    /** Repacks on the backend's threads, a row group per task. */
    private CpuTensor.Packed pack(TensorData weights, PackedKernel kernel) {
        int groupRows = PackedKernels.groupRows(Species.preferred());
        long t0 = System.nanoTime(); // the allocation counts (from an arena it can take as long as the packing)
        PackedMatrix owned = Packing.allocate(weights.name(), weights.type(), (int) weights.rowCount(),
                (int) weights.rowLength(), kernel, groupRows, packed);
        // ops refuse to run once the backend is closed, so the view never outlives the memory
        PackedMatrix m = owned.uncheckedView();
        MemorySegment src = weights.segment();
        threads.parallelFor(m.groups(), (start, end) -> {
            for (int g = start; g < end; g++) {
                Packing.packGroup(m, src, kernel, g);
            }
        });
        packNanos += System.nanoTime() - t0;
        if (m.rows() > 0 && m.cols() > 0 && warmedUp.add(weights.type())) {
            long w0 = System.nanoTime();
            warmUpProducts += new PackedMatMul(threads).warmUp(new CpuTensor.Packed(m, kernel, weights));
            warmUpNanos += System.nanoTime() - w0;
        }
        if (src.isMapped()) {
            // products read the repacked copy from now on: drop the file's pages from this process's resident memory
            // so the copy replaces them instead of doubling the footprint (row lookups of a table that is also the
            // output matrix, tied embeddings, read back only the rows they need)
            src.unload();
        }
        packedBytes += m.data().byteSize();
        sourceBytes += src.byteSize();
        return new CpuTensor.Packed(m, kernel, weights);
    }

    @Override
    public DeviceTensor allocate(long floats) {
        if (floats < 0 || floats > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot allocate " + floats + " floats in one CPU buffer");
        }
        return new CpuTensor.Floats(new float[(int) floats]);
    }

    @Override
    public DeviceTensor allocateCache(GgmlType type, long elements) {
        return CpuTensor.Cache.allocate(type, elements);
    }

    @Override
    public Ops ops() {
        return ops;
    }

    @Override
    public void toHost(DeviceTensor src, float[] dst, int dstOffset, int floats) {
        System.arraycopy(CpuOps.floats(src), 0, dst, dstOffset, floats);
    }

    @Override
    public void fromHost(float[] src, DeviceTensor dst, int floats) {
        System.arraycopy(src, 0, CpuOps.floats(dst), 0, floats);
    }

    @Override
    public void synchronize() {
        // every op completes before it returns
    }

    @Override
    public long freeMemoryBytes() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Attention ({@link CpuAttention}): the cache cells a batch reads, converted to float (keys and values of a full
     * context, the widest layer), plus per thread a block of queries, scores and outputs.
     */
    @Override
    public long workspaceBytes(HyperParams hp, int batchRows) {
        int widest = 0;
        int heads = 0;
        for (int l = 0; l < hp.blockCount(); l++) {
            widest = Math.max(widest, hp.headCountKv(l) * Math.max(hp.keyLength(), hp.valueLength()));
            heads = Math.max(heads, hp.headCount(l));
        }
        long converted = 2L * hp.contextLength() * widest;
        long block = (long) CpuAttention.BLOCK_ROWS * heads
                * (hp.keyLength() + hp.valueLength() + hp.contextLength() + hp.keyLength());
        return 4L * (converted + threads.threads() * block);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        boolean idle = ops.close(CLOSE_WAIT_MILLIS);
        threads.close();
        if (idle) {
            packed.close();
        } else {
            // freeing memory a running product reads would crash the JVM: leave it to the process instead
            LOG.warn("CPU backend closed while a matrix product was still running after {} ms: its {} MiB of repacked"
                    + " weights are not freed", CLOSE_WAIT_MILLIS, packedBytes >> 20);
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
