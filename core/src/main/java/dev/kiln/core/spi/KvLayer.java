package dev.kiln.core.spi;

import dev.kiln.gguf.GgmlType;

/**
 * The K and V cache of one block on the block's backend. Cell {@code c} of {@code sequence} is row
 * {@code sequence · sequenceCapacity + c} of each buffer (see {@link Batch#cell(int)}).
 *
 * @param keys             {@code type} [sequences · sequenceCapacity][keyWidth]
 * @param values           {@code type} [sequences · sequenceCapacity][valueWidth]
 * @param type             F32, F16 or Q8_0 (rows are whole Q8_0 blocks: widths are multiples of 32 then)
 * @param sequences        number of sequences
 * @param sequenceCapacity cells per sequence
 * @param keyWidth         headCountKv · keyLength
 * @param valueWidth       headCountKv · valueLength
 */
public record KvLayer(DeviceTensor keys, DeviceTensor values, GgmlType type, int sequences, int sequenceCapacity,
                      int keyWidth, int valueWidth) {

    /** Row index of cell {@code cell} of {@code sequence}. */
    public long row(int sequence, int cell) {
        return (long) sequence * sequenceCapacity + cell;
    }
}
