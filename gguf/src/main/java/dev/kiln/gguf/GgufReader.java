package dev.kiln.gguf;

import dev.kiln.gguf.MetadataValue.ArrayValue;
import dev.kiln.gguf.MetadataValue.BoolValue;
import dev.kiln.gguf.MetadataValue.FloatValue;
import dev.kiln.gguf.MetadataValue.IntValue;
import dev.kiln.gguf.MetadataValue.StringValue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a GGUF header (GGUF specification, "File Structure"): magic, version, tensor and key-value counts,
 * the key-value pairs, the tensor infos, and the aligned start of the data section. Every read is checked
 * against the end of the segment, every count against the bytes that remain before anything is allocated,
 * and every tensor against the data section, so that a malformed file fails with a
 * {@link GgufFormatException} naming the offset and never with another exception.
 */
final class GgufReader {
    static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    /** The GGUF specification caps key length at 2^16 - 1 bytes. */
    static final int MAX_KEY_BYTES = 65535;
    /** Arrays of arrays may nest; a forged file must not be able to exhaust the stack. */
    static final int MAX_ARRAY_DEPTH = 8;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header says; tensor offsets are relative to {@code dataOffsetBytes}. */
    record Header(int version, Metadata metadata, List<TensorInfo> tensors, long alignment, long dataOffsetBytes) {}

    private final MemorySegment file;
    private final long size;
    private long pos;

    private GgufReader(MemorySegment file) {
        this.file = file;
        this.size = file.byteSize();
    }

    static Header read(MemorySegment file) {
        return new GgufReader(file).header();
    }

    private Header header() {
        readMagic();
        int version = readVersion();
        long tensorCount = readCount("tensor count", 8 + 4 + 8 + 4 + 8); // name length, n_dims, one dim, type, offset
        long kvCount = readCount("metadata key-value count", 8 + 1 + 4 + 1); // key length + a 1-byte key, type, a u8

        Metadata.Builder metadata = Metadata.builder();
        for (long i = 0; i < kvCount; i++) {
            long keyOffset = pos;
            String key = readString("metadata key", MAX_KEY_BYTES);
            if (key.isEmpty()) {
                throw new GgufFormatException(keyOffset, "expected a non-empty metadata key, found an empty string");
            }
            ValueType type = readValueType("type of metadata key '" + key + "'");
            metadata.put(key, readValue(type, key, 0), keyOffset);
        }
        Metadata md = metadata.build();
        long alignment = alignment(md);

        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, Long> infoOffsets = new HashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            long infoOffset = pos;
            TensorInfo info = readTensorInfo();
            Long previous = infoOffsets.putIfAbsent(info.name(), infoOffset);
            if (previous != null) {
                throw new GgufFormatException(infoOffset, "duplicate tensor name '" + info.name()
                        + "' (first defined at byte " + previous + ")");
            }
            tensors.add(info);
        }

        long dataOffset = alignUp(pos, alignment);
        checkTensorData(tensors, infoOffsets, alignment, dataOffset);
        return new Header(version, md, List.copyOf(tensors), alignment, dataOffset);
    }

    // ---- header fields -------------------------------------------------------------------------------------

    private void readMagic() {
        require(4, "the magic 'GGUF'");
        int magic = file.get(U32, 0);
        if (magic != MAGIC) {
            throw new GgufFormatException(0, String.format(
                    "expected the magic 'GGUF' (47 47 55 46), found %02x %02x %02x %02x: not a GGUF file",
                    magic & 0xFF, (magic >>> 8) & 0xFF, (magic >>> 16) & 0xFF, magic >>> 24));
        }
        pos = 4;
    }

    private int readVersion() {
        long at = pos;
        int version = u32("the GGUF version");
        if (version == 2 || version == 3) {
            return version;
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped >= 1 && swapped <= 3) {
            throw new GgufFormatException(at, "the version reads " + Integer.toUnsignedString(version)
                    + " little-endian but " + swapped + " big-endian: this is a big-endian GGUF file,"
                    + " and Kiln reads little-endian files only");
        }
        if (version == 1) {
            throw new GgufFormatException(at, "expected GGUF version 2 or 3, found version 1 (obsolete; convert the file again)");
        }
        throw new GgufFormatException(at, "expected GGUF version 2 or 3, found " + Integer.toUnsignedString(version));
    }

    /** A u64 count whose entries each take at least {@code minEntryBytes}: checked against what is left. */
    private long readCount(String what, int minEntryBytes) {
        long at = pos;
        long count = u64(what);
        long left = size - pos;
        if (count < 0 || count > left / minEntryBytes) {
            throw new GgufFormatException(at, what + " " + Long.toUnsignedString(count) + " cannot fit in the "
                    + left + " bytes left in the file");
        }
        return count;
    }

    private ValueType readValueType(String what) {
        long at = pos;
        int id = u32(what);
        ValueType type = ValueType.byIdOrNull(Integer.toUnsignedLong(id));
        if (type == null) {
            throw new GgufFormatException(at, "expected a metadata value type (0 to 12) for " + what
                    + ", found " + Integer.toUnsignedString(id));
        }
        return type;
    }

    private MetadataValue readValue(ValueType type, String key, int depth) {
        return switch (type) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> new IntValue(type, integerBits(type, key));
            case FLOAT32 -> new FloatValue(type, f32(key));
            case FLOAT64 -> new FloatValue(type, f64(key));
            case BOOL -> new BoolValue(readBool(key));
            case STRING -> new StringValue(readString("value of '" + key + "'", Long.MAX_VALUE));
            case ARRAY -> readArray(key, depth);
        };
    }

    /** An integer of the given type, zero-extended if unsigned. */
    private long integerBits(ValueType type, String key) {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedLong(u8(key));
            case INT8 -> u8(key);
            case UINT16 -> Short.toUnsignedLong(u16(key));
            case INT16 -> u16(key);
            case UINT32 -> Integer.toUnsignedLong(u32(key));
            case INT32 -> u32(key);
            case UINT64, INT64 -> u64(key);
            default -> throw new IllegalArgumentException(type + " is not an integer type");
        };
    }

    private boolean readBool(String key) {
        long at = pos;
        byte b = u8(key);
        if (b != 0 && b != 1) {
            throw new GgufFormatException(at, "expected a boolean (0 or 1) for '" + key + "', found " + Byte.toUnsignedInt(b));
        }
        return b == 1;
    }

    private ArrayValue readArray(String key, int depth) {
        long at = pos;
        if (depth >= MAX_ARRAY_DEPTH) {
            throw new GgufFormatException(at, "arrays nested deeper than " + MAX_ARRAY_DEPTH + " levels in '" + key + "'");
        }
        ValueType elementType = readValueType("element type of the array '" + key + "'");
        long count = readCount("element count of the array '" + key + "'", elementType.minSizeBytes());
        int n = (int) count;
        if (count != n) {
            throw new GgufFormatException(at, "array '" + key + "' has " + count + " elements, more than Kiln supports (" + Integer.MAX_VALUE + ")");
        }
        switch (elementType) {
            case STRING -> {
                String[] values = new String[n];
                for (int i = 0; i < n; i++) {
                    values[i] = readString("element " + i + " of '" + key + "'", Long.MAX_VALUE);
                }
                return ArrayValue.adopt(elementType, null, null, null, values, null, n);
            }
            case ARRAY -> {
                ArrayValue[] values = new ArrayValue[n];
                for (int i = 0; i < n; i++) {
                    values[i] = readArray(key + "[" + i + "]", depth + 1);
                }
                return ArrayValue.adopt(elementType, null, null, null, null, values, n);
            }
            case FLOAT32, FLOAT64 -> {
                double[] values = new double[n];
                for (int i = 0; i < n; i++) {
                    values[i] = elementType == ValueType.FLOAT32 ? f32(key) : f64(key);
                }
                return ArrayValue.adopt(elementType, null, values, null, null, null, n);
            }
            case BOOL -> {
                boolean[] values = new boolean[n];
                for (int i = 0; i < n; i++) {
                    values[i] = readBool(key);
                }
                return ArrayValue.adopt(elementType, null, null, values, null, null, n);
            }
            default -> {
                long[] values = new long[n];
                for (int i = 0; i < n; i++) {
                    values[i] = integerBits(elementType, key);
                }
                return ArrayValue.adopt(elementType, values, null, null, null, null, n);
            }
        }
    }

    private TensorInfo readTensorInfo() {
        long at = pos;
        String name = readString("tensor name", Long.MAX_VALUE);
        long dimsAt = pos;
        int nDims = u32("dimension count of tensor '" + name + "'");
        if (nDims < 1 || nDims > TensorInfo.MAX_DIMS) {
            throw new GgufFormatException(dimsAt, "tensor '" + name + "': expected 1 to " + TensorInfo.MAX_DIMS
                    + " dimensions, found " + Integer.toUnsignedString(nDims));
        }
        long[] shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            long dimAt = pos;
            shape[d] = u64("dimension " + d + " of tensor '" + name + "'");
            if (shape[d] < 0) {
                throw new GgufFormatException(dimAt, "tensor '" + name + "': dimension " + d + " is "
                        + Long.toUnsignedString(shape[d]) + ", larger than 2^63 - 1");
            }
            try {
                elements = Math.multiplyExact(elements, shape[d]);
            } catch (ArithmeticException overflow) {
                throw new GgufFormatException(dimAt, "tensor '" + name + "': the element count of the shape "
                        + java.util.Arrays.toString(java.util.Arrays.copyOf(shape, d + 1)) + " overflows 64 bits");
            }
        }
        long typeAt = pos;
        int typeId = u32("ggml type of tensor '" + name + "'");
        GgmlType type = GgmlType.byIdOrNull(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw new GgufFormatException(typeAt, "tensor '" + name + "': unknown ggml type id " + Integer.toUnsignedString(typeId));
        }
        if (shape[0] % type.blockSize() != 0) {
            throw new GgufFormatException(dimsAt, "tensor '" + name + "': row length " + shape[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        try {
            type.byteSize(elements);
        } catch (ArithmeticException overflow) {
            throw new GgufFormatException(dimsAt, "tensor '" + name + "': its size in bytes overflows 64 bits");
        }
        long offsetAt = pos;
        long offset = u64("data offset of tensor '" + name + "'");
        if (offset < 0) {
            throw new GgufFormatException(offsetAt, "tensor '" + name + "': data offset "
                    + Long.toUnsignedString(offset) + " is larger than 2^63 - 1");
        }
        return new TensorInfo(name, shape, type, offset);
    }

    private long alignment(Metadata md) {
        if (!md.contains(ALIGNMENT_KEY)) {
            return DEFAULT_ALIGNMENT;
        }
        long at = md.offsetOf(ALIGNMENT_KEY);
        if (!(md.get(ALIGNMENT_KEY) instanceof IntValue v) || v.exceedsLong()) {
            throw new GgufFormatException(at, "expected an integer for '" + ALIGNMENT_KEY + "', found "
                    + md.get(ALIGNMENT_KEY).type());
        }
        long alignment = v.bits();
        if (alignment <= 0 || alignment > (1L << 30) || Long.bitCount(alignment) != 1) {
            throw new GgufFormatException(at, "expected '" + ALIGNMENT_KEY + "' to be a power of two up to 2^30, found " + alignment);
        }
        return alignment;
    }

    /**
     * Every tensor must start at an aligned offset, end inside the file and not overlap another one.
     * A header without tensor bytes (a vocabulary-only file) may end before the aligned data start.
     */
    private void checkTensorData(List<TensorInfo> tensors, Map<String, Long> infoOffsets, long alignment, long dataOffset) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offsetBytes));
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            long at = infoOffsets.get(t.name());
            if (t.offsetBytes() % alignment != 0) {
                throw new GgufFormatException(at, "tensor '" + t.name() + "': data offset " + t.offsetBytes()
                        + " is not a multiple of the alignment " + alignment);
            }
            long sizeBytes = t.sizeBytes();
            if (sizeBytes > 0 && (t.offsetBytes() > size || dataOffset + t.offsetBytes() > size - sizeBytes)) {
                throw new GgufFormatException(at, "tensor '" + t.name() + "': data at bytes " + (dataOffset + t.offsetBytes())
                        + " to " + (dataOffset + t.offsetBytes() + sizeBytes) + " extends past the end of the file ("
                        + size + " bytes)");
            }
            if (previous != null && previous.offsetBytes() + previous.sizeBytes() > t.offsetBytes() && sizeBytes > 0) {
                throw new GgufFormatException(at, "tensor '" + t.name() + "' (data offset " + t.offsetBytes()
                        + ") overlaps tensor '" + previous.name() + "' (data offset " + previous.offsetBytes()
                        + ", " + previous.sizeBytes() + " bytes)");
            }
            if (sizeBytes > 0) {
                previous = t;
            }
        }
    }

    static long alignUp(long offset, long alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    // ---- primitive reads -----------------------------------------------------------------------------------

    private String readString(String what, long maxBytes) {
        long at = pos;
        long length = u64("the length of " + what);
        long left = size - pos;
        if (length < 0 || length > left) {
            throw new GgufFormatException(at, "the length of " + what + " is " + Long.toUnsignedString(length)
                    + ", more than the " + left + " bytes left in the file");
        }
        if (length > maxBytes) {
            throw new GgufFormatException(at, "the length of " + what + " is " + length + ", more than the maximum " + maxBytes);
        }
        if (length > Integer.MAX_VALUE - 16) {
            throw new GgufFormatException(at, "the length of " + what + " is " + length + ", more than Kiln supports");
        }
        byte[] bytes = new byte[(int) length];
        MemorySegment.copy(file, U8, pos, bytes, 0, bytes.length);
        pos += length;
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private void require(long n, String what) {
        if (size - pos < n) {
            throw new GgufFormatException(pos, "expected " + what + " (" + n + " bytes), found the end of the file ("
                    + size + " bytes): the file is truncated");
        }
    }

    private byte u8(String what) {
        require(1, what);
        return file.get(U8, pos++);
    }

    private short u16(String what) {
        require(2, what);
        short v = file.get(U16, pos);
        pos += 2;
        return v;
    }

    private int u32(String what) {
        require(4, what);
        int v = file.get(U32, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) {
        require(8, what);
        long v = file.get(U64, pos);
        pos += 8;
        return v;
    }

    private float f32(String what) {
        require(4, what);
        float v = file.get(F32, pos);
        pos += 4;
        return v;
    }

    private double f64(String what) {
        require(8, what);
        double v = file.get(F64, pos);
        pos += 8;
        return v;
    }
}
