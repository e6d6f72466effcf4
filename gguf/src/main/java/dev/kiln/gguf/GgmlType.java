package dev.kiln.gguf;

/**
 * Every ggml tensor type id that can appear in a GGUF file, with its block size (elements per block) and
 * the bytes one block takes. The table follows ggml's {@code type_traits} (ggml.c); ids that ggml removed
 * (4, 5, 31-33, 36-38) are absent and rejected when read. Types Kiln cannot compute are still listed so
 * that {@code kiln inspect} can describe any file.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20),
    Q5_0(6, 32, 22),
    Q5_1(7, 32, 24),
    Q8_0(8, 32, 34),
    Q8_1(9, 32, 36),
    Q2_K(10, 256, 84),
    Q3_K(11, 256, 110),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    MXFP4(39, 32, 17);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;

    GgmlType(int id, int blockSize, int bytesPerBlock) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
    }

    /** The numeric id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain float and integer types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes one block of {@link #blockSize()} elements occupies. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** True for the block-quantized types (every type whose block holds more than one element). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes that {@code elements} elements occupy.
     *
     * @throws IllegalArgumentException if {@code elements} is negative or not a whole number of blocks
     * @throws ArithmeticException if the size does not fit in a long
     */
    public long byteSize(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + ": " + elements + " elements is not a whole number of " + blockSize + "-element blocks");
        }
        return Math.multiplyExact(elements / blockSize, (long) bytesPerBlock);
    }

    /** The type with this id, or null if ggml defines none (or removed it). */
    public static GgmlType byIdOrNull(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /**
     * The type with this id.
     *
     * @throws IllegalArgumentException naming the id if there is none
     */
    public static GgmlType byId(long id) {
        GgmlType type = byIdOrNull(id);
        if (type == null) {
            throw new IllegalArgumentException("unknown ggml type id " + id);
        }
        return type;
    }
}
