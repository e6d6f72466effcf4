package dev.kiln.cpu.packed;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix repacked at load time for the integer kernels. Rows come in groups of {@code groupRows} (the short
 * lanes of one vector) and groups in pairs (the decode kernel takes a pair; the group count is padded with zero rows to
 * an even number). Each group has {@code blocksPerRow} group-blocks of {@code blockBytes} bytes laid out as its
 * {@link PackedKernel} says; the two group-blocks of a pair for the same block are interleaved unit by unit (a unit is
 * one vector, {@code 2·groupRows} bytes), so that the decode kernel reads one sequential stream: two streams a block
 * apart halved the memory bandwidth one core reached (measured, 8.5 against 16 GB/s).
 * <pre>
 * data [groups / 2][blocksPerRow][blockBytes / unit][2][unit]
 * </pre>
 * See {@link #at} for where a byte of a group-block lives.
 *
 * @param name      the GGUF tensor name (for messages)
 * @param type      the GGUF type it was packed from
 * @param rows      output rows (ne[1])
 * @param cols      inputs per row (ne[0])
 * @param groupRows rows per group
 */
public record PackedMatrix(String name, GgmlType type, int rows, int cols, int groupRows, int blocksPerRow,
                           int blockBytes, MemorySegment data) {

    /** Groups allocated: ceil(rows / groupRows) rounded up to even. */
    public int groups() {
        int g = (rows + groupRows - 1) / groupRows;
        return g + (g & 1);
    }

    /** Byte offset of block 0 of the pair of groups {@code 2·pair} and {@code 2·pair + 1}. */
    public long pairOffset(int pair) {
        return (long) pair * blocksPerRow * 2 * blockBytes;
    }

    /**
     * Byte offset of group g's first unit in block {@code block} of its pair: the pair's blocks follow one another
     * ({@code 2·blockBytes} each), and the second group's units start a unit ({@code 2·groupRows} bytes) on
     * (see {@link #at}).
     */
    public long groupOffset(int g, int block) {
        return pairOffset(g >> 1) + (long) block * 2 * blockBytes + (long) (g & 1) * 2 * groupRows;
    }

    /**
     * The first pair of row groups alone: its rows (at most {@code 2·groupRows}) and its part of the memory, shared with
     * this matrix.
     */
    public PackedMatrix firstPair() {
        return firstPair(cols);
    }

    /**
     * {@link #firstPair()} with its first blocks only: at most {@code maxCols} columns (at least one block), the
     * memory shared with this matrix.
     */
    public PackedMatrix firstPair(int maxCols) {
        int blockLength = cols / blocksPerRow;
        int blocks = Math.max(1, Math.min(blocksPerRow, maxCols / blockLength));
        return new PackedMatrix(name, type, Math.min(rows, 2 * groupRows), blocks * blockLength, groupRows, blocks,
                blockBytes, data.asSlice(0, (long) blocks * 2 * blockBytes));
    }

    /**
     * Where byte {@code offset} of the group-block of group {@code half} (0 or 1) of a pair lives, relative to the
     * pair's block: units of {@code unit} bytes alternate between the two groups.
     */
    public static long at(int unit, int half, long offset) {
        return 2 * (offset - offset % unit) + (long) half * unit + offset % unit;
    }

    /**
     * This matrix read through a view of its memory without the owning arena's liveness check on every access (the
     * kernels' loads cost ~20% more with it: measured on a mat-vec). The caller keeps the memory alive while the view
     * is in use.
     */
    public PackedMatrix uncheckedView() {
        MemorySegment view = MemorySegment.ofAddress(data.address()).reinterpret(data.byteSize());
        return new PackedMatrix(name, type, rows, cols, groupRows, blocksPerRow, blockBytes, view);
    }
}
