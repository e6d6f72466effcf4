package dev.kiln.gguf;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Each malformation gets a GgufFormatException naming the offset, what was expected and what was found. */
class MalformedFileTest {

    private static GgufFormatException rejects(byte[] file, long offset, String... fragments) {
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.read(MemorySegment.ofArray(file)));
        assertEquals(offset, e.offsetBytes(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should mention '" + f + "'");
        }
        assertTrue(e.getMessage().startsWith(offset >= 0 ? "at byte " + offset + ": " : ""), e.getMessage());
        return e;
    }

    private static byte[] validFile() {
        return new GgufWriter(GgufRoundTripTest.everyValueType())
                .addTensor("a", new long[] {32, 2}, new float[64])
                .addTensor("b", GgmlType.Q8_0, new long[] {64}, new byte[68])
                .toByteArray();
    }

    @Test
    void rejectsAWrongMagic() {
        byte[] f = validFile();
        f[0] = 'X';
        rejects(f, 0, "expected the magic 'GGUF'", "found 58 47 55 46");
    }

    @Test
    void rejectsAnEmptyFile() {
        rejects(new byte[0], 0, "expected the magic", "the file is truncated");
    }

    @Test
    void rejectsVersion1AndVersionsAbove3() {
        rejects(RawGguf.header(1, 0, 0).bytes(), 4, "version 2 or 3", "version 1");
        rejects(RawGguf.header(4, 0, 0).bytes(), 4, "expected GGUF version 2 or 3, found 4");
    }

    @Test
    void recognisesABigEndianFile() {
        byte[] f = RawGguf.header(Integer.reverseBytes(3), 0, 0).bytes();
        rejects(f, 4, "big-endian");
    }

    @Test
    void rejectsForgedCounts() {
        rejects(RawGguf.header(3, Long.MAX_VALUE, 0).bytes(), 8, "tensor count", "cannot fit");
        rejects(RawGguf.header(3, 0, -1).bytes(), 16, "key-value count 18446744073709551615", "cannot fit");
    }

    @Test
    void rejectsAStringLongerThanTheFile() {
        byte[] f = RawGguf.header(3, 0, 1).u64(1L << 40).u64(0).u64(0).bytes();
        rejects(f, 24, "length of metadata key is 1099511627776", "bytes left in the file");
        byte[] v = RawGguf.header(3, 0, 1).string("k").u32(ValueType.STRING.id()).u64(-1).bytes();
        rejects(v, 24 + 9 + 4, "length of value of 'k' is 18446744073709551615");
    }

    @Test
    void rejectsAnArrayCountLargerThanTheFile() {
        byte[] f = RawGguf.header(3, 0, 1).string("k").u32(ValueType.ARRAY.id()).u32(ValueType.UINT32.id())
                .u64(1L << 31).bytes();
        rejects(f, 24 + 9 + 4 + 4, "element count of the array 'k' 2147483648 cannot fit");
    }

    @Test
    void rejectsUnknownValueTypes() {
        byte[] f = RawGguf.header(3, 0, 1).string("k").u32(13).u32(0).bytes();
        rejects(f, 24 + 9, "metadata value type (0 to 12)", "found 13");
        byte[] a = RawGguf.header(3, 0, 1).string("k").u32(ValueType.ARRAY.id()).u32(99).u64(0).bytes();
        rejects(a, 24 + 9 + 4, "found 99");
    }

    @Test
    void rejectsABooleanOtherThan0Or1() {
        byte[] f = RawGguf.header(3, 0, 1).string("k").u32(ValueType.BOOL.id()).u8(2).bytes();
        rejects(f, 24 + 9 + 4, "boolean (0 or 1)", "found 2");
    }

    @Test
    void rejectsArraysNestedTooDeep() {
        RawGguf f = RawGguf.header(3, 0, 1).string("k").u32(ValueType.ARRAY.id());
        for (int i = 0; i < 20; i++) {
            f.u32(ValueType.ARRAY.id()).u64(1);
        }
        f.u32(ValueType.UINT8.id()).u64(0);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.read(MemorySegment.ofArray(f.bytes())));
        assertTrue(e.getMessage().contains("nested deeper than"), e.getMessage());
    }

    @Test
    void rejectsDuplicateKeys() {
        byte[] f = RawGguf.header(3, 0, 2).kvU32("x", 1).kvU32("x", 2).bytes();
        rejects(f, 24 + 9 + 4 + 4, "duplicate metadata key 'x'", "first defined at byte 24");
    }

    @Test
    void rejectsDuplicateTensorNames() {
        RawGguf f = RawGguf.header(3, 2, 0).tensor("t", new long[] {8}, 0, 0);
        int second = f.size();
        byte[] bytes = f.tensor("t", new long[] {8}, 0, 32).data(64).bytes();
        rejects(bytes, second, "duplicate tensor name 't'");
    }

    @Test
    void rejectsUnknownGgmlTypes() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {32}, 4, 0).data(32).bytes();
        rejects(f, 24 + 9 + 4 + 8, "tensor 't': unknown ggml type id 4");
    }

    @Test
    void rejectsTooManyDimensions() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {1, 1, 1, 1, 1}, 0, 0).data(32).bytes();
        rejects(f, 24 + 9, "expected 1 to 4 dimensions, found 5");
    }

    @Test
    void rejectsShapesWhoseSizeOverflows() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {1L << 40, 1L << 40}, 0, 0).data(32).bytes();
        rejects(f, 24 + 9 + 4 + 8, "overflows 64 bits");
        byte[] neg = RawGguf.header(3, 1, 0).tensor("t", new long[] {-5}, 0, 0).data(32).bytes();
        rejects(neg, 24 + 9 + 4, "larger than 2^63 - 1");
    }

    @Test
    void rejectsARowLengthThatIsNotWholeBlocks() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {100}, GgmlType.Q4_K.id(), 0).data(1024).bytes();
        rejects(f, 24 + 9, "row length 100 is not a multiple of the Q4_K block size 256");
    }

    @Test
    void rejectsTensorDataPastTheEndOfTheFile() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {16}, 0, 0).data(63).bytes();
        rejects(f, 24, "tensor 't'", "extends past the end of the file");
        byte[] far = RawGguf.header(3, 1, 0).tensor("t", new long[] {16}, 0, Long.MAX_VALUE - 31).data(64).bytes();
        rejects(far, 24, "tensor 't'");
    }

    @Test
    void rejectsMisalignedOffsets() {
        byte[] f = RawGguf.header(3, 1, 0).tensor("t", new long[] {4}, 0, 8).data(64).bytes();
        rejects(f, 24, "data offset 8 is not a multiple of the alignment 32");
    }

    @Test
    void rejectsOverlappingTensors() {
        RawGguf raw = RawGguf.header(3, 2, 0).tensor("a", new long[] {16}, 0, 0);
        int b = raw.size();
        byte[] f = raw.tensor("b", new long[] {16}, 0, 32).data(128).bytes();
        rejects(f, b, "tensor 'b' (data offset 32) overlaps tensor 'a'");
    }

    @Test
    void rejectsABadAlignment() {
        byte[] f = RawGguf.header(3, 0, 1).kvU32("general.alignment", 24).bytes();
        rejects(f, 24, "power of two", "found 24");
        byte[] s = RawGguf.header(3, 0, 1).kvString("general.alignment", "32").bytes();
        rejects(s, 24, "expected an integer for 'general.alignment', found STRING");
    }

    @Test
    void fileNameIsPartOfTheMessage(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("broken.gguf");
        Files.write(p, Arrays.copyOf(validFile(), 30));
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().startsWith("broken.gguf: at byte "), e.getMessage());
    }

    /** Cutting the file anywhere gives a GgufFormatException (a cut after the last tensor byte parses). */
    @Test
    void rejectsTruncationAtEveryByteOffset() {
        byte[] full = validFile();
        for (int cut = 0; cut < full.length; cut++) {
            byte[] f = Arrays.copyOf(full, cut);
            try {
                GgufFile.read(MemorySegment.ofArray(f));
                fail("a file cut at byte " + cut + " of " + full.length + " was accepted");
            } catch (GgufFormatException expected) {
                assertTrue(expected.offsetBytes() <= cut, cut + ": " + expected.getMessage());
            }
        }
    }

    /**
     * The same on a real file: every cut inside the header, and every 61st byte of the data section; any cut
     * before the end of the last tensor must fail.
     */
    @Test
    void rejectsTruncatedRealFile() throws IOException {
        byte[] full = Files.readAllBytes(TestData.require("real/stories260K.gguf"));
        GgufFile whole = GgufFile.read(MemorySegment.ofArray(full));
        int header = (int) whole.dataOffsetBytes();
        for (int cut = 0; cut < full.length; cut += cut < header ? 1 : 61) {
            MemorySegment prefix = MemorySegment.ofArray(full).asSlice(0, cut);
            try {
                GgufFile.read(prefix);
                fail("stories260K.gguf cut at byte " + cut + " was accepted");
            } catch (GgufFormatException expected) {
                assertTrue(expected.offsetBytes() <= cut, cut + ": " + expected.getMessage());
            }
        }
    }

    @Test
    void aVocabularyOnlyFileNeedsNoDataPadding() {
        byte[] f = RawGguf.header(3, 0, 1).kvString("general.architecture", "llama").bytes();
        assertEquals(List.of("general.architecture"), List.copyOf(GgufFile.read(MemorySegment.ofArray(f)).metadata().keys()));
    }
}
