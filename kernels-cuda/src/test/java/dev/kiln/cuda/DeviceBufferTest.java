package dev.kiln.cuda;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DeviceBufferTest {

    @Test
    void outOfMemoryIsOneLineNamingWhatAndTheRemedy() {
        String m = DeviceBuffer.outOfMemory("blk.30.ffn_down.weight", 100L << 20, 64L << 20, 12L << 30);
        assertEquals("out of GPU memory allocating blk.30.ffn_down.weight (100.0 MiB; 64.0 MiB free of 12288.0 MiB): use a smaller -ngl", m);
    }
}
