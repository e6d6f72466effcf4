package dev.kiln.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An open GGUF file: the whole file mapped read-only into a shared {@link Arena} (so any thread may read
 * the weights), its header parsed, and its tensors available as zero-copy {@link TensorData} slices.
 * Opening reads only the header, so a 14 GB model opens in milliseconds. Closing unmaps the file; every
 * {@link TensorData} obtained from it becomes invalid.
 *
 * <pre>{@code
 * try (GgufFile gguf = GgufFile.open(path)) {
 *     int blocks = gguf.metadata().getInt("llama.block_count");
 *     TensorData embd = gguf.tensor("token_embd.weight");
 * }
 * }</pre>
 */
public final class GgufFile implements AutoCloseable {
    private final String name;
    private final Arena arena; // null when the segment is not ours to close
    private final MemorySegment segment;
    private final GgufReader.Header header;
    private final Map<String, TensorInfo> tensorsByName;

    private GgufFile(String name, Arena arena, MemorySegment segment, GgufReader.Header header) {
        this.name = name;
        this.arena = arena;
        this.segment = segment;
        this.header = header;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : header.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensorsByName = byName;
    }

    /**
     * Maps and parses the file at {@code path}.
     *
     * @throws IOException if the file cannot be opened or mapped
     * @throws GgufFormatException if it is not a valid GGUF v2/v3 file (the message starts with the file name)
     */
    public static GgufFile open(Path path) throws IOException {
        String name = String.valueOf(path.getFileName());
        if (java.nio.file.Files.isDirectory(path)) {
            // mapping a directory fails with an obscure "No such device"
            throw new java.nio.file.FileSystemException(path.toString(), null, "is a directory, not a GGUF file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment segment = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufReader.Header header = GgufReader.read(segment);
            return new GgufFile(name, arena, segment, header);
        } catch (GgufFormatException e) {
            arena.close();
            throw e.inFile(name);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses a GGUF image that is already in memory. The segment is not copied and not closed by
     * {@link #close()}; it must stay valid while this object is used.
     */
    public static GgufFile read(MemorySegment segment) {
        return new GgufFile("<memory>", null, segment, GgufReader.read(segment));
    }

    /** The file name (or {@code <memory>}), for messages. */
    public String name() {
        return name;
    }

    /** GGUF version: 2 or 3. */
    public int version() {
        return header.version();
    }

    public Metadata metadata() {
        return header.metadata();
    }

    /** Tensor infos in file order. */
    public List<TensorInfo> tensors() {
        return header.tensors();
    }

    public Optional<TensorInfo> findTensor(String tensorName) {
        return Optional.ofNullable(tensorsByName.get(tensorName));
    }

    public boolean hasTensor(String tensorName) {
        return tensorsByName.containsKey(tensorName);
    }

    /**
     * The tensor's bytes as a slice of the mapping (no copy).
     *
     * @throws IllegalArgumentException if there is no tensor of that name
     */
    public TensorData tensor(String tensorName) {
        TensorInfo info = tensorsByName.get(tensorName);
        if (info == null) {
            throw new IllegalArgumentException(name + ": no tensor named '" + tensorName + "'");
        }
        return data(info);
    }

    /** The bytes of a tensor of this file. */
    public TensorData data(TensorInfo info) {
        return new TensorData(info, segment.asSlice(header.dataOffsetBytes() + info.offsetBytes(), info.sizeBytes()));
    }

    /** The alignment of tensor data ({@code general.alignment}, default 32). */
    public long alignment() {
        return header.alignment();
    }

    /** Where the tensor data section starts, in bytes from the start of the file. */
    public long dataOffsetBytes() {
        return header.dataOffsetBytes();
    }

    public long sizeBytes() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return name + " (GGUF v" + version() + ", " + tensors().size() + " tensors, " + metadata().size() + " keys)";
    }
}
