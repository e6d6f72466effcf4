package dev.kiln.core.spi;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;

/**
 * One opened compute device. It owns everything it made (uploaded weights, activation buffers, KV storage,
 * handles, thread pools) and frees it in {@link #close()}. A backend is used by one forward pass at a time.
 */
public interface Backend extends AutoCloseable {

    /** The provider name ("cpu", "cuda"). */
    String name();

    /** A one-line description for logs ("cpu, 2 threads, AVX-512"). */
    String description();

    /** Whether {@link Ops#matMul}/{@link Ops#embed} accept weights of this type; the loader checks before placing a layer. */
    boolean supports(GgmlType weightType);

    /**
     * Whether {@link Ops#attention} runs this attention shape here (head lengths, grouping); the loader keeps a block
     * whose attention an accelerator cannot run on the CPU, as it does for weight types.
     */
    default boolean supports(Attention attention) {
        return true;
    }

    /** Whether the KV cache may be stored in this type here (F32, F16, Q8_0). */
    boolean supportsCache(GgmlType cacheType);

    /** Makes a weight usable here. CPU: a zero-copy view of the mapping; CUDA: one host-to-device copy at load. */
    DeviceTensor upload(TensorData weights);

    /**
     * Makes a table that is only read row by row ({@link Ops#embed}, the token embedding) usable here. The default is
     * {@link #upload}; a backend that repacks matrices for its products keeps such a table as it is.
     */
    default DeviceTensor uploadTable(TensorData table) {
        return upload(table);
    }

    /** A zero-filled F32 buffer of {@code floats} elements (activations). */
    DeviceTensor allocate(long floats);

    /** A zero-filled cache buffer of {@code elements} elements of {@code type} (a multiple of the type's block size). */
    DeviceTensor allocateCache(GgmlType type, long elements);

    Ops ops();

    /** Copies the first {@code floats} elements of an F32 tensor to {@code dst[dstOffset..]}, after all queued work. */
    void toHost(DeviceTensor src, float[] dst, int dstOffset, int floats);

    /** Copies {@code floats} elements from the host into the start of an F32 tensor. */
    void fromHost(float[] src, DeviceTensor dst, int floats);

    /** Waits for all queued work. */
    void synchronize();

    /** Device memory free for weights, caches and activations now (CPU: the JVM's free heap plus unmapped room, informational). */
    long freeMemoryBytes();

    /**
     * Backend-internal scratch a forward pass of {@code batchRows} rows needs beyond the buffers the engine
     * allocates ({@code Activations}) and the KV cache: e.g. attention scores, cuBLAS workspace, dequantization
     * buffers. Used to size {@code -ngl auto}.
     */
    long workspaceBytes(HyperParams hp, int batchRows);

    /** {@link #workspaceBytes(HyperParams, int)} for a KV cache of {@code contextCells} cells per sequence. */
    default long workspaceBytes(HyperParams hp, int batchRows, int contextCells) {
        return workspaceBytes(hp, batchRows);
    }

    /**
     * Device memory the backend takes beyond what it allocates for Kiln (a GPU driver's context, loaded kernel modules,
     * library handles), for the load-time memory estimate; 0 where there is none to speak of.
     */
    default long contextBytes() {
        return 0;
    }

    /** Frees every tensor and handle this backend made. */
    @Override
    void close();
}
