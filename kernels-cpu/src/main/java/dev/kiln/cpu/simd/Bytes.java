package dev.kiln.cpu.simd;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Little-endian reads of block fields (GGUF is little-endian whatever the host). */
public final class Bytes {
    private Bytes() {}

    public static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Unsigned byte at {@code offset}. */
    public static int u8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset) & 0xFF;
    }

    /** Signed byte at {@code offset}. */
    public static int i8(MemorySegment s, long offset) {
        return s.get(ValueLayout.JAVA_BYTE, offset);
    }

    /** IEEE half-precision float at {@code offset}, widened exactly. */
    public static float f16(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(SHORT, offset));
    }

    /** bfloat16 at {@code offset}: the upper half of a float32. */
    public static float bf16(MemorySegment s, long offset) {
        return Float.intBitsToFloat((s.get(SHORT, offset) & 0xFFFF) << 16);
    }

    public static int i32(MemorySegment s, long offset) {
        return s.get(INT, offset);
    }

    /** Eight bytes at once, little-endian: fewer segment accesses in kernels that unpack packed scale fields. */
    public static long i64(MemorySegment s, long offset) {
        return s.get(LONG, offset);
    }

    public static float f32(MemorySegment s, long offset) {
        return s.get(FLOAT, offset);
    }
}
