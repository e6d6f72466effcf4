package dev.kiln.gguf;

import dev.kiln.gguf.MetadataValue.ArrayValue;
import dev.kiln.gguf.MetadataValue.BoolValue;
import dev.kiln.gguf.MetadataValue.FloatValue;
import dev.kiln.gguf.MetadataValue.IntValue;
import dev.kiln.gguf.MetadataValue.StringValue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Writes GGUF v3 (or v2) files: header, metadata, tensor infos, then each tensor's bytes, aligned to
 * {@code general.alignment} (default 32). Tensor contents come from a {@link TensorSource} that streams
 * them when the file is written, so a multi-gigabyte file never has to be held in memory; a tensor of
 * zeros can be left as a hole, which makes sparse test files of any size cheap.
 *
 * <pre>{@code
 * new GgufWriter(Metadata.builder().putString("general.architecture", "llama").build())
 *     .addTensor("token_embd.weight", GgmlType.F32, new long[] {64, 512}, bytes)
 *     .write(path);
 * }</pre>
 */
public final class GgufWriter {

    /** Streams a tensor's bytes; it must write exactly the tensor's size. */
    @FunctionalInterface
    public interface TensorSource {
        void writeTo(TensorSink sink) throws IOException;

        /** All zeros, left as a hole in the file where the file system supports it. */
        static TensorSource zeros() {
            return Zeros.INSTANCE;
        }
    }

    private enum Zeros implements TensorSource {
        INSTANCE;

        @Override
        public void writeTo(TensorSink sink) {
            throw new IllegalStateException("handled by the writer");
        }
    }

    /** Where a {@link TensorSource} writes its bytes (buffered). */
    public interface TensorSink {
        void write(ByteBuffer bytes) throws IOException;

        default void write(byte[] bytes, int offset, int length) throws IOException {
            write(ByteBuffer.wrap(bytes, offset, length));
        }

        default void write(byte[] bytes) throws IOException {
            write(bytes, 0, bytes.length);
        }
    }

    private record PendingTensor(TensorInfo info, TensorSource source) {}

    private final Metadata metadata;
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final long alignment;
    private int version = 3;
    private long nextOffset;

    public GgufWriter(Metadata metadata) {
        this.metadata = Objects.requireNonNull(metadata, "metadata");
        this.alignment = metadata.contains(GgufReader.ALIGNMENT_KEY)
                ? metadata.getLong(GgufReader.ALIGNMENT_KEY) : GgufReader.DEFAULT_ALIGNMENT;
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("general.alignment must be a power of two, found " + alignment);
        }
    }

    /** Writes a GGUF v2 file instead of v3 (same layout; for compatibility tests). */
    public GgufWriter version(int v) {
        if (v != 2 && v != 3) {
            throw new IllegalArgumentException("GGUF version must be 2 or 3, found " + v);
        }
        this.version = v;
        return this;
    }

    /** Adds a tensor whose bytes {@code source} streams at write time. Shape in ggml order (ne0 first). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, TensorSource source) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        TensorInfo info = new TensorInfo(name, shape, type, nextOffset);
        tensors.add(new PendingTensor(info, Objects.requireNonNull(source, "source")));
        nextOffset = GgufReader.alignUp(nextOffset + info.sizeBytes(), alignment);
        return this;
    }

    /** Adds a tensor with the given bytes (exactly the tensor's size). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, byte[] data) {
        byte[] copy = data.clone();
        return addTensor(name, type, shape, sink -> sink.write(copy));
    }

    /** Adds a tensor copied from a memory segment (e.g. another file's tensor). */
    public GgufWriter addTensor(String name, GgmlType type, long[] shape, MemorySegment data) {
        return addTensor(name, type, shape, sink -> {
            int chunk = 1 << 20;
            for (long off = 0; off < data.byteSize(); off += chunk) {
                sink.write(data.asSlice(off, Math.min(chunk, data.byteSize() - off)).asByteBuffer());
            }
        });
    }

    /** Adds an F32 tensor. */
    public GgufWriter addTensor(String name, long[] shape, float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return addTensor(name, GgmlType.F32, shape, bytes.array());
    }

    /** Tensor infos as they will be written (offsets relative to the data section). */
    public List<TensorInfo> tensorInfos() {
        return tensors.stream().map(PendingTensor::info).toList();
    }

    /** Writes the file, replacing any existing one. Zero tensors become holes (a sparse file). */
    public void write(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long end = writeTo(channel, true);
            if (channel.size() < end) { // the file ended in a hole
                channel.write(ByteBuffer.allocate(1), end - 1);
            }
        }
    }

    /** The whole file as bytes (for tests). */
    public byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(Channels.newChannel(out), false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes everything to {@code out}; returns the file size. With {@code seekable} zeros are skipped. */
    private long writeTo(WritableByteChannel out, boolean seekable) throws IOException {
        BufferedSink sink = new BufferedSink(out);
        byte[] header = header();
        sink.write(ByteBuffer.wrap(header));
        long dataStart = GgufReader.alignUp(header.length, alignment);
        sink.zeros(dataStart - header.length);
        long written = 0;
        for (PendingTensor t : tensors) {
            sink.zeros(t.info.offsetBytes() - written);
            long before = sink.count;
            if (t.source == Zeros.INSTANCE) {
                if (seekable) {
                    sink.skip(t.info.sizeBytes());
                } else {
                    sink.zeros(t.info.sizeBytes());
                }
            } else {
                t.source.writeTo(sink);
            }
            long size = sink.count - before;
            if (size != t.info.sizeBytes()) {
                throw new IllegalStateException("tensor '" + t.info.name() + "': the source wrote " + size
                        + " bytes, expected " + t.info.sizeBytes());
            }
            written = t.info.offsetBytes() + size;
        }
        sink.flush();
        return dataStart + written;
    }

    private byte[] header() {
        Encoder e = new Encoder();
        e.u32(GgufReader.MAGIC);
        e.u32(version);
        e.u64(tensors.size());
        e.u64(metadata.size());
        for (String key : metadata.keys()) {
            e.string(key);
            MetadataValue value = metadata.get(key);
            e.u32(value.type().id());
            e.value(value);
        }
        for (PendingTensor t : tensors) {
            e.string(t.info.name());
            long[] shape = t.info.shape();
            e.u32(shape.length);
            for (long d : shape) {
                e.u64(d);
            }
            e.u32(t.info.type().id());
            e.u64(t.info.offsetBytes());
        }
        return e.toByteArray();
    }

    /** Little-endian encoding of header fields. */
    private static final class Encoder extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void u8(int v) {
            write(v);
        }

        void u16(int v) {
            scratch.clear();
            write(scratch.putShort((short) v).array(), 0, 2);
        }

        void u32(long v) {
            scratch.clear();
            write(scratch.putInt((int) v).array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            write(scratch.putLong(v).array(), 0, 8);
        }

        void string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            u64(bytes.length);
            write(bytes, 0, bytes.length);
        }

        void integer(ValueType type, long bits) {
            switch (type) {
                case UINT8, INT8 -> u8((int) bits);
                case UINT16, INT16 -> u16((int) bits);
                case UINT32, INT32 -> u32(bits);
                default -> u64(bits);
            }
        }

        void floating(ValueType type, double v) {
            if (type == ValueType.FLOAT32) {
                u32(Float.floatToRawIntBits((float) v));
            } else {
                u64(Double.doubleToRawLongBits(v));
            }
        }

        void value(MetadataValue value) {
            switch (value) {
                case IntValue i -> integer(i.type(), i.bits());
                case FloatValue f -> floating(f.type(), f.value());
                case BoolValue b -> u8(b.value() ? 1 : 0);
                case StringValue s -> string(s.value());
                case ArrayValue a -> array(a);
            }
        }

        void array(ArrayValue a) {
            u32(a.elementType().id());
            u64(a.size());
            for (int i = 0; i < a.size(); i++) {
                switch (a.elementType()) {
                    case STRING -> string(a.stringAt(i));
                    case BOOL -> u8(a.booleanAt(i) ? 1 : 0);
                    case FLOAT32, FLOAT64 -> floating(a.elementType(), a.doubleAt(i));
                    case ARRAY -> array(a.arrayAt(i));
                    default -> integer(a.elementType(), a.longAt(i));
                }
            }
        }
    }

    /** A 1 MiB write buffer that counts bytes and can skip (seek over) a run of zeros. */
    private static final class BufferedSink implements TensorSink {
        private final WritableByteChannel out;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        long count;

        BufferedSink(WritableByteChannel out) {
            this.out = out;
        }

        @Override
        public void write(ByteBuffer bytes) throws IOException {
            count += bytes.remaining();
            while (bytes.hasRemaining()) {
                if (!buffer.hasRemaining()) {
                    flush();
                }
                int n = Math.min(buffer.remaining(), bytes.remaining());
                ByteBuffer part = bytes.slice(bytes.position(), n);
                buffer.put(part);
                bytes.position(bytes.position() + n);
            }
        }

        void zeros(long n) throws IOException {
            byte[] zero = new byte[(int) Math.min(n, 1 << 16)];
            for (long left = n; left > 0; left -= zero.length) {
                write(ByteBuffer.wrap(zero, 0, (int) Math.min(left, zero.length)));
            }
        }

        void skip(long n) throws IOException {
            flush();
            FileChannel file = (FileChannel) out;
            file.position(file.position() + n);
            count += n;
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            buffer.clear();
        }
    }
}
