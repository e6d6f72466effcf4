package dev.kiln.gguf;

/**
 * The type tag of a GGUF metadata value ({@code gguf_metadata_value_type} in the GGUF specification).
 * Integers and floats are little-endian; a string is a u64 byte length followed by UTF-8 bytes without a
 * terminator; an array is a u32 element type, a u64 count and the elements back to back.
 */
public enum ValueType {
    /** The value is a 8-bit unsigned little-endian integer. */
    UINT8(0, 1),
    /** The value is a 8-bit signed little-endian integer. */
    INT8(1, 1),
    /** The value is a 16-bit unsigned little-endian integer. */
    UINT16(2, 2),
    /** The value is a 16-bit signed little-endian integer. */
    INT16(3, 2),
    /** The value is a 32-bit unsigned little-endian integer. */
    UINT32(4, 4),
    /** The value is a 32-bit signed little-endian integer. */
    INT32(5, 4),
    /** The value is a 32-bit IEEE754 floating point number. */
    FLOAT32(6, 4),
    /** The value is a boolean: a 1-byte value where 0 is false and 1 is true. */
    BOOL(7, 1),
    /** The value is a UTF-8 non-null-terminated string, with a u64 length prepended. */
    STRING(8, 8),
    /** The value is an array of other values, with the element type and a u64 count prepended. */
    ARRAY(9, 12),
    /** The value is a 64-bit unsigned little-endian integer. */
    UINT64(10, 8),
    /** The value is a 64-bit signed little-endian integer. */
    INT64(11, 8),
    /** The value is a 64-bit IEEE754 floating point number. */
    FLOAT64(12, 8);

    private static final ValueType[] BY_ID = values();

    private final int id;
    private final int minSizeBytes;

    ValueType(int id, int minSizeBytes) {
        this.id = id;
        this.minSizeBytes = minSizeBytes;
    }

    /** The numeric tag stored in the file. */
    public int id() {
        return id;
    }

    /**
     * The fewest bytes a value of this type can take in a file: the size of a fixed-size value, the length
     * prefix of a string, the type and count prefix of an array. Used to reject forged counts before
     * allocating anything.
     */
    int minSizeBytes() {
        return minSizeBytes;
    }

    /** True for the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** True for FLOAT32 and FLOAT64. */
    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** The type with this tag, or null if the specification defines none. */
    public static ValueType byIdOrNull(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }
}
