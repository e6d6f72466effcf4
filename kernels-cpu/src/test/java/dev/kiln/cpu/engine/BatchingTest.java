package dev.kiln.cpu.engine;

import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.ContextFullException;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.spi.Batch;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Batching must not change the results: chunked prompts, one-token decode, multi-sequence batches (one row per server
 * slot) and layer splits across backends give the logits of a single-sequence batch. Not bit for bit: the CPU matmul
 * takes a fused dot path for a few tokens and a decoded-tile path for many, which round differently (llama.cpp's own
 * sequential-vs-batch difference is ~6e-7, testdata/synthetic/README.md); a wrong row, cell or position moves logits by
 * 1e-2 or more.
 */
class BatchingTest {
    /** Float rounding of different accumulation orders (logits are ~1 in size). */
    static final float SAME = 1e-5f;

    static final String MODEL = "synthetic/llama-small.Q4_K_M.gguf";

    @Test
    void chunkedAndSequentialPromptsEqualOneBatch() {
        try (Reference r = new Reference(MODEL, 2, 64);
             Forward small = new Forward(r.model, Placement.cpuOnly(4), r.cpu, null, 5);
             KvCache a = r.cache(GgmlType.F32, 32);
             KvCache b = small.newCache(GgmlType.F32, 1, 32);
             KvCache c = r.cache(GgmlType.F32, 32)) {
            int[] ids = r.promptIds();
            int n = ids.length;
            float[] whole = r.promptLogits(a, 0);
            float[] chunked = new float[n * r.vocab];
            small.forward(b, Batch.ofSequence(0, 0, ids, 0, n, true), chunked);
            assertArrayEquals(whole, chunked, SAME, "prompt in chunks of 5 rows");
            float[] step = new float[r.vocab];
            for (int i = 0; i < n; i++) {
                r.forward.forward(c, Batch.single(0, i, ids[i]), step);
                assertArrayEquals(Arrays.copyOfRange(whole, i * r.vocab, (i + 1) * r.vocab), step, SAME, "token " + i + " alone");
            }
            assertEquals(n, c.position(0));
        }
    }

    @Test
    void multiSequenceBatchEqualsSeparateSequences() {
        try (Reference r = new Reference(MODEL, 2, 64);
             KvCache solo = r.cache(GgmlType.F32, 32);
             KvCache shared = r.forward.newCache(GgmlType.F32, 3, 32)) {
            int[] ids = r.promptIds();
            float[] expected = r.promptLogits(solo, 0);
            // sequence 2 gets the prompt, sequences 0 and 1 other tokens, interleaved row by row
            int n = ids.length;
            int[] tokens = new int[3 * n];
            int[] seqs = new int[3 * n];
            int[] pos = new int[3 * n];
            boolean[] logits = new boolean[3 * n];
            for (int i = 0; i < n; i++) {
                for (int s = 0; s < 3; s++) {
                    int row = 3 * i + s;
                    tokens[row] = s == 2 ? ids[i] : 500 + 7 * i + s;
                    seqs[row] = s;
                    pos[row] = i;
                    logits[row] = s == 2;
                }
            }
            float[] out = new float[n * r.vocab];
            r.forward.forward(shared, new Batch(tokens, seqs, pos, logits), out);
            assertArrayEquals(expected, out, SAME);
            assertEquals(n, shared.position(0));
            assertEquals(n, shared.position(2));
        }
    }

    /**
     * The layer scheduler with a second CPU backend standing in for an accelerator: every {@code -ngl} split moves the
     * residual stream through the host at the boundary and must give the CPU-only logits.
     */
    @Test
    void splitAcrossTwoBackendsEqualsOneBackend() {
        try (Reference r = new Reference(MODEL, 1, 64);
             dev.kiln.cpu.CpuBackend other = new dev.kiln.cpu.CpuBackend(1, dev.kiln.core.spi.MatMulPrecision.F32);
             KvCache base = r.cache(GgmlType.F32, 32)) {
            int[] ids = r.promptIds();
            int n = ids.length;
            float[] expected = r.promptLogits(base, 0);
            for (int ngl : new int[] {1, 2, 4, 5}) {
                Placement p = Placement.gpuLayers(4, ngl);
                try (Forward split = new Forward(r.model, p, r.cpu, other, 7);
                     KvCache cache = split.newCache(GgmlType.F32, 1, 32)) {
                    float[] out = new float[n * r.vocab];
                    split.forward(cache, Batch.ofSequence(0, 0, ids, 0, n, true), out);
                    assertArrayEquals(expected, out, SAME, "-ngl " + ngl + ": " + p);
                }
            }
        }
    }

    @Test
    void quantizedCachesStayCloseToF32() {
        try (Reference r = new Reference(MODEL, 2, 64);
             KvCache f32 = r.cache(GgmlType.F32, 32);
             KvCache f16 = r.cache(GgmlType.F16, 32);
             KvCache q8 = r.cache(GgmlType.Q8_0, 32)) {
            float[] exact = r.promptLogits(f32, 0);
            float[] half = r.promptLogits(f16, 0);
            float[] q = r.promptLogits(q8, 0);
            float dHalf = 0;
            float dQ8 = 0;
            for (int i = 0; i < exact.length; i++) {
                dHalf = Math.max(dHalf, Math.abs(half[i] - exact[i]));
                dQ8 = Math.max(dQ8, Math.abs(q[i] - exact[i]));
            }
            // llama.cpp's own F16-KV difference on these files is ~0.03 (README); a broken cache gives O(1)
            assertTrue(dHalf > 0 && dHalf < 0.01, "F16 cache: " + dHalf);
            assertTrue(dQ8 > 0 && dQ8 < 0.05, "Q8_0 cache: " + dQ8);
        }
    }

    @Test
    void fullContextIsReportedBeforeComputing() {
        try (Reference r = new Reference(MODEL, 1, 64);
             KvCache cache = r.cache(GgmlType.F32, 8)) {
            int[] ids = r.promptIds();
            float[] out = new float[r.vocab];
            ContextFullException e = assertThrows(ContextFullException.class,
                    () -> r.forward.forward(cache, Batch.ofSequence(0, 0, ids, 0, 9, false), out));
            assertTrue(e.getMessage().contains("context is full (8 tokens)"), e.getMessage());
            assertEquals(0, cache.position(0));
            assertThrows(IllegalArgumentException.class,
                    () -> r.forward.forward(cache, Batch.single(0, 3, ids[0]), out), "a gap in the sequence");
        }
    }
}
