package dev.kiln.gguf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes GGUF bytes field by field, so tests can forge exactly the malformation they need. */
final class RawGguf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static RawGguf header(int version, long tensorCount, long kvCount) {
        return new RawGguf().u32(0x46554747).u32(version).u64(tensorCount).u64(kvCount);
    }

    RawGguf u8(int v) {
        out.write(v);
        return this;
    }

    RawGguf u32(long v) {
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
    }

    RawGguf u64(long v) {
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        return this;
    }

    RawGguf string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        u64(b.length);
        out.writeBytes(b);
        return this;
    }

    RawGguf kvU32(String key, long v) {
        return string(key).u32(ValueType.UINT32.id()).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return string(key).u32(ValueType.STRING.id()).string(v);
    }

    /** A tensor info: name, dims, ggml type id, offset. */
    RawGguf tensor(String name, long[] dims, int typeId, long offset) {
        string(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return u32(typeId).u64(offset);
    }

    /** Pads to 32 bytes and appends {@code n} data bytes. */
    RawGguf data(int n) {
        while (out.size() % 32 != 0) {
            out.write(0);
        }
        out.writeBytes(new byte[n]);
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
