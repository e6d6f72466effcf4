package dev.kiln.cpu.packed;

import dev.kiln.gguf.GgmlType;

import java.lang.foreign.MemorySegment;

/**
 * A weight matrix repacked at load time for the integer kernels: rows in groups of {@code groupRows} (the short
 * lanes of one vector), each group a run of {@code blocksPerRow} group-blocks of {@code blockBytes} bytes, the
 * layout of which is the {@link PackedKernel}'s. The groups are padded with zero rows to an even count (the decode
 * kernel takes two groups at a time).
 * <pre>data [groups()][blocksPerRow][blockBytes]</pre>
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

    /** Byte offset of group {@code g}. */
    public long groupOffset(int g) {
        return (long) g * blocksPerRow * blockBytes;
    }
}
