package dev.kiln.gguf;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A seeded mutation test: 12,000 variants of a valid file (bit flips, byte overwrites, and length/count fields
 * set to extreme values) must each either parse or fail with {@link GgufFormatException}: no other exception,
 * no hang, no OutOfMemoryError.
 */
class MutationFuzzTest {
    private static final long[] EXTREMES = {
            0, 1, 0xFF, 0xFFFF, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32, 1L << 40,
            Long.MAX_VALUE, Long.MIN_VALUE, -1L, -2L, Integer.MAX_VALUE - 8L,
    };

    @Test
    void mutatedFilesParseOrFailCleanly() {
        byte[] original = new GgufWriter(GgufRoundTripTest.everyValueType())
                .addTensor("token_embd.weight", new long[] {32, 4}, new float[128])
                .addTensor("blk.0.attn_q.weight", GgmlType.Q4_K, new long[] {256, 2}, new byte[288])
                .addTensor("blk.0.attn_norm.weight", new long[] {32}, new float[32])
                .toByteArray();
        List<Integer> lengthFields = plausibleLengthFields(original);
        SplittableRandom random = new SplittableRandom(20261124);

        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            int parsed = 0;
            for (int i = 0; i < 12_000; i++) {
                byte[] f = original.clone();
                String how = mutate(f, random, lengthFields, i % 3);
                try {
                    GgufFile.read(MemorySegment.ofArray(f));
                    parsed++;
                } catch (GgufFormatException expected) {
                    // the clean failure
                } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
                    fail("mutation " + i + " (" + how + ") threw " + e, e);
                }
            }
            if (parsed == 0 || parsed == 12_000) {
                fail("the mutations should both break and spare some files, parsed " + parsed);
            }
        });
    }

    /** Offsets whose 8 bytes read as a small non-zero u64: string lengths, array and tensor counts, dims. */
    private static List<Integer> plausibleLengthFields(byte[] f) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> out = new ArrayList<>();
        for (int p = 8; p + 8 <= f.length; p++) {
            long v = b.getLong(p);
            if (v > 0 && v < 4096) {
                out.add(p);
            }
        }
        return out;
    }

    private static String mutate(byte[] f, SplittableRandom r, List<Integer> lengthFields, int kind) {
        ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
        switch (kind) {
            case 0 -> {
                int flips = 1 + r.nextInt(4);
                for (int k = 0; k < flips; k++) {
                    int p = r.nextInt(f.length);
                    f[p] ^= (byte) (1 << r.nextInt(8));
                }
                return flips + " bit flips";
            }
            case 1 -> {
                int p = r.nextInt(f.length);
                int n = 1 + r.nextInt(8);
                for (int k = 0; k < n && p + k < f.length; k++) {
                    f[p + k] = (byte) r.nextInt(256);
                }
                return n + " bytes overwritten at " + p;
            }
            default -> {
                int p = lengthFields.get(r.nextInt(lengthFields.size()));
                long v = EXTREMES[r.nextInt(EXTREMES.length)];
                if (r.nextBoolean()) {
                    b.putLong(p, v);
                } else {
                    b.putInt(p, (int) v);
                }
                return "field at " + p + " set to " + Long.toUnsignedString(v);
            }
        }
    }
}
