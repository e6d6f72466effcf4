package dev.kiln.gguf;

import dev.kiln.gguf.MetadataValue.ArrayValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgufRoundTripTest {

    /** Metadata with one value of every type, including arrays of arrays. */
    static Metadata everyValueType() {
        return Metadata.builder()
                .putString("general.architecture", "llama")
                .put("u8", MetadataValue.of(ValueType.UINT8, 255))
                .put("i8", MetadataValue.of(ValueType.INT8, -128))
                .put("u16", MetadataValue.of(ValueType.UINT16, 65535))
                .put("i16", MetadataValue.of(ValueType.INT16, -32768))
                .putUint32("u32", 0xFFFF_FFFFL)
                .putInt32("i32", Integer.MIN_VALUE)
                .putUint64("u64", -1L) // 2^64 - 1
                .put("i64", MetadataValue.of(ValueType.INT64, Long.MIN_VALUE))
                .putFloat32("f32", 1.5e-5f)
                .put("f64", new MetadataValue.FloatValue(ValueType.FLOAT64, Math.PI))
                .putBool("bool", true)
                .putString("string.utf8", "Grüße 你好 🦙")
                .putStrings("array.strings", List.of("a", "", "▁Once"))
                .putFloats("array.f32", new float[] {0f, -1f, 3.25f})
                .putInts("array.i32", new int[] {1, -2, 3})
                .put("array.u8", ArrayValue.ofIntegers(ValueType.UINT8, new long[] {0, 7, 255}))
                .put("array.bool", ArrayValue.ofBooleans(new boolean[] {true, false}))
                .put("array.nested", ArrayValue.ofArrays(List.of(
                        ArrayValue.ofInts(new int[] {1, 2}),
                        ArrayValue.ofArrays(List.of(ArrayValue.ofStrings(List.of("deep")))))))
                .put("array.empty", ArrayValue.ofStrings(List.of()))
                .build();
    }

    @Test
    void everyValueTypeSurvivesAWriteAndRead() {
        Metadata written = everyValueType();
        byte[] bytes = new GgufWriter(written).toByteArray();
        GgufFile gguf = GgufFile.read(MemorySegment.ofArray(bytes));

        Metadata read = gguf.metadata();
        assertEquals(List.copyOf(written.keys()), List.copyOf(read.keys()), "keys in file order");
        for (String key : written.keys()) {
            assertEquals(written.get(key), read.get(key), key);
        }
        assertEquals(255, read.getInt("u8"));
        assertEquals(-128, read.getInt("i8"));
        assertEquals(0xFFFF_FFFFL, read.getLong("u32"));
        assertThrows(GgufFormatException.class, () -> read.getInt("u32"), "u32 max does not fit an int");
        assertThrows(GgufFormatException.class, () -> read.getLong("u64"), "u64 max does not fit a long");
        assertEquals(1.5e-5f, read.getFloat("f32"));
        assertEquals(Math.PI, read.getDouble("f64"));
        assertTrue(read.getBoolean("bool"));
        assertEquals("Grüße 你好 🦙", read.getString("string.utf8"));
        assertEquals(List.of("a", "", "▁Once"), read.getStrings("array.strings"));
        assertArrayEquals(new float[] {0f, -1f, 3.25f}, read.getFloats("array.f32"));
        assertArrayEquals(new int[] {1, -2, 3}, read.getInts("array.i32"));
        assertEquals("deep", read.getArray("array.nested").arrayAt(1).arrayAt(0).stringAt(0));
        assertEquals(0, read.getArray("array.empty").size());
    }

    @Test
    void typedAccessorsNameTheKeyAndTheTypeFound() {
        Metadata md = GgufFile.read(MemorySegment.ofArray(new GgufWriter(everyValueType()).toByteArray())).metadata();
        GgufFormatException wrong = assertThrows(GgufFormatException.class, () -> md.getInt("string.utf8"));
        assertTrue(wrong.getMessage().contains("'string.utf8'") && wrong.getMessage().contains("STRING"), wrong.getMessage());
        assertTrue(wrong.offsetBytes() > 0, "names the byte offset of the value");
        GgufFormatException missing = assertThrows(GgufFormatException.class, () -> md.getInt("llama.block_count"));
        assertTrue(missing.getMessage().contains("missing metadata key 'llama.block_count'"), missing.getMessage());
        assertTrue(md.findInt("llama.block_count").isEmpty());
    }

    @Test
    void tensorsAreAlignedAndReadBackWithoutCopying(@TempDir Path dir) throws IOException {
        float[] embd = new float[64 * 8];
        for (int i = 0; i < embd.length; i++) {
            embd[i] = i * 0.5f;
        }
        byte[] q8 = new byte[34 * 2]; // two Q8_0 blocks
        q8[0] = 0x00;
        q8[1] = 0x3C; // f16 1.0
        q8[2] = 5;
        Path path = dir.resolve("t.gguf");
        new GgufWriter(Metadata.builder().putString("general.architecture", "llama").build())
                .addTensor("token_embd.weight", new long[] {64, 8}, embd)
                .addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {64, 1}, q8)
                .addTensor("norm", new long[] {3}, new float[] {1, 2, 3})
                .write(path);

        try (GgufFile gguf = GgufFile.open(path)) {
            assertEquals(3, gguf.version());
            assertEquals(32, gguf.alignment());
            assertEquals(0, gguf.dataOffsetBytes() % 32);
            for (TensorInfo t : gguf.tensors()) {
                assertEquals(0, t.offsetBytes() % 32, t.name());
            }
            TensorData e = gguf.tensor("token_embd.weight");
            assertArrayEquals(new long[] {64, 8}, e.shape());
            assertEquals(64, e.rowLength());
            assertEquals(8, e.rowCount());
            assertEquals(63.5f, e.segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 127));
            TensorData q = gguf.tensor("blk.0.attn_q.weight");
            assertEquals(GgmlType.Q8_0, q.type());
            assertEquals(68, q.segment().byteSize());
            assertEquals(5, q.segment().get(ValueLayout.JAVA_BYTE, 2));
            assertEquals(3f, gguf.tensor("norm").segment().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 2));
            assertFalse(gguf.hasTensor("output.weight"));
            assertThrows(IllegalArgumentException.class, () -> gguf.tensor("output.weight"));
        }
    }

    @Test
    void honoursACustomAlignmentAndVersion2() {
        Metadata md = Metadata.builder().putUint32("general.alignment", 64).build();
        byte[] bytes = new GgufWriter(md).version(2)
                .addTensor("a", new long[] {3}, new float[] {1, 2, 3})
                .addTensor("b", new long[] {5}, new float[] {1, 2, 3, 4, 5})
                .toByteArray();
        GgufFile gguf = GgufFile.read(MemorySegment.ofArray(bytes));
        assertEquals(2, gguf.version());
        assertEquals(64, gguf.alignment());
        assertEquals(64, gguf.findTensor("b").orElseThrow().offsetBytes());
        assertEquals(0, gguf.dataOffsetBytes() % 64);
    }

    @Test
    void everyGgmlTypeHasConsistentSizes() {
        for (GgmlType t : GgmlType.values()) {
            assertEquals(t, GgmlType.byId(t.id()));
            assertEquals(t.bytesPerBlock(), t.byteSize(t.blockSize()));
        }
        assertEquals(144, GgmlType.Q4_K.byteSize(256));
        assertEquals(210, GgmlType.Q6_K.bytesPerBlock());
        assertEquals(34, GgmlType.Q8_0.bytesPerBlock());
        assertThrows(IllegalArgumentException.class, () -> GgmlType.byId(4), "Q4_2 was removed from ggml");
        assertThrows(IllegalArgumentException.class, () -> GgmlType.Q4_K.byteSize(100));
    }
}
