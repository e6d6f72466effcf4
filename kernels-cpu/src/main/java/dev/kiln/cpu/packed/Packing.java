package dev.kiln.cpu.packed;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Repacks a GGUF weight matrix into the row-interleaved layout of its {@link PackedKernel}. */
public final class Packing {
    private Packing() {}

    // little-endian views of a heap block or stage (one bounds check and one access each, where a heap segment's
    // accessors cost a method of many live values more, measured in the packing loops)
    private static final VarHandle SHORTS = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * Packs {@code rows x cols} weights of {@code type} from {@code src} (row-major GGUF rows) into memory of
     * {@code arena}.
     */
    public static PackedMatrix pack(String name, GgmlType type, MemorySegment src, int rows, int cols,
                                    PackedKernel kernel, int groupRows, Arena arena) {
        PackedMatrix m = allocate(name, type, rows, cols, kernel, groupRows, arena);
        for (int g = 0; g < m.groups(); g++) {
            packGroup(m, src, kernel, g);
        }
        return m;
    }

    /** An empty (zeroed) packed matrix; fill it with {@link #packGroup}. */
    public static PackedMatrix allocate(String name, GgmlType type, int rows, int cols, PackedKernel kernel,
                                        int groupRows, Arena arena) {
        if (type != kernel.type()) {
            throw new IllegalArgumentException("tensor " + name + ": a " + kernel.type() + " kernel cannot pack " + type);
        }
        if (cols % kernel.blockLength() != 0) {
            throw new IllegalArgumentException("tensor " + name + ": row length " + cols + " is not a whole number of "
                    + kernel.blockLength() + "-weight blocks");
        }
        int blocksPerRow = cols / kernel.blockLength();
        int blockBytes = kernel.blockBytes(groupRows);
        long groups = (rows + groupRows - 1) / groupRows;
        groups += groups & 1;
        MemorySegment data = AnonymousMemory.allocate(groups * blocksPerRow * blockBytes, arena);
        return new PackedMatrix(name, type, rows, cols, groupRows, blocksPerRow, blockBytes, data);
    }

    /**
     * Copies a group-block assembled in {@code stage} (the kernel's field layout, {@code blockBytes} bytes) to its
     * place in the pair's block at {@code pairBlock} of {@code dst}: unit by unit, as {@link PackedMatrix#at} interleaves
     * the two groups of a pair.
     */
    public static void scatter(byte[] stage, int blockBytes, int unit, MemorySegment dst, long pairBlock, int half) {
        for (int f = 0; f < blockBytes; f += unit) {
            MemorySegment.copy(stage, f, dst, ValueLayout.JAVA_BYTE, pairBlock + PackedMatrix.at(unit, half, f), unit);
        }
    }

    /** Writes {@code v} little-endian at byte {@code at} of a staged group-block. */
    public static void putFloat(byte[] stage, int at, float v) {
        INTS.set(stage, at, Float.floatToRawIntBits(v));
    }

    /** The little-endian short at byte {@code at} of {@code bytes}. */
    public static short getShort(byte[] bytes, int at) {
        return (short) SHORTS.get(bytes, at);
    }

    /** The little-endian int at byte {@code at} of {@code bytes}. */
    public static int getInt(byte[] bytes, int at) {
        return (int) INTS.get(bytes, at);
    }

    /** The little-endian long at byte {@code at} of {@code bytes}. */
    public static long getLong(byte[] bytes, int at) {
        return (long) LONGS.get(bytes, at);
    }

    /** Writes the low 16 bits of {@code v} little-endian at byte {@code at} of a staged group-block. */
    public static void putShort(byte[] stage, int at, int v) {
        SHORTS.set(stage, at, (short) v);
    }

    /** The f16 at byte {@code at} of a GGUF block copied to the heap, as a float. */
    public static float f16(byte[] block, int at) {
        return Float.float16ToFloat(getShort(block, at));
    }

    /** Packs group {@code g} of {@code m} from the GGUF rows in {@code src}. */
    public static void packGroup(PackedMatrix m, MemorySegment src, PackedKernel kernel, int g) {
        int first = g * m.groupRows();
        int rows = Math.min(m.groupRows(), m.rows() - first);
        if (rows <= 0) {
            return; // a padding group stays zero
        }
        kernel.pack(src, m.type().byteSize(m.cols()), first, rows, m.cols(), m.groupRows(), m.data(), m.pairOffset(g >> 1),
                g & 1);
    }
}
