package dev.kiln.cpu.engine;

import dev.kiln.core.graph.OpProfile;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.LayerWeights;
import dev.kiln.core.spi.Batch;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link dev.kiln.core.graph.Forward#profile}: a profiled pass computes exactly the logits of an unprofiled one, and the
 * profile counts every op of it once, each matrix product under its own weight role and type with its multiply-adds and
 * file bytes; a detached profile records nothing more.
 */
class OpProfileTest {
    static final String MODEL = "synthetic/llama-small.Q4_K_M.gguf";

    /** calls, multiply-adds, weight bytes of one matrix product key. */
    private record Product(long calls, long multiplyAdds, long weightBytes) {
        Product plus(TensorData w, long tokens) {
            long n = w.info().elementCount();
            return new Product(calls + 1, multiplyAdds + n * tokens, weightBytes + w.info().sizeBytes());
        }
    }

    @Test
    void profiledPassComputesTheSameLogitsAndCountsEveryOp() {
        try (Reference r = new Reference(MODEL, 2, 64, MatMulPrecision.Q8);
             KvCache plain = r.cache(GgmlType.F32, 32);
             KvCache profiled = r.cache(GgmlType.F32, 32)) {
            int[] ids = r.promptIds();
            int n = ids.length;
            float[] expected = new float[r.vocab];
            r.forward.forward(plain, Batch.ofSequence(0, 0, ids, 0, n, false), expected);

            OpProfile p = new OpProfile();
            r.forward.profile(p);
            float[] actual = new float[r.vocab];
            r.forward.forward(profiled, Batch.ofSequence(0, 0, ids, 0, n, false), actual);
            r.forward.profile(null);
            assertArrayEquals(expected, actual, "profiling changed the logits");
            List<OpProfile.Entry> recorded = p.entries();
            r.forward.forward(profiled, Batch.single(0, n, ids[0]), new float[r.vocab]);
            assertEquals(recorded, p.entries(), "a detached profile kept recording");

            // every matrix product of the pass, by role and type: n rows per block, one logit row at the head
            Map<String, Product> products = new HashMap<>();
            int blocks = r.model.hyperParams().blockCount();
            for (int l = 0; l < blocks; l++) {
                LayerWeights w = r.model.weights().layer(l);
                for (TensorData t : List.of(w.attnQ(), w.attnK(), w.attnV(), w.attnOutput(), w.ffnGate(), w.ffnUp(),
                        w.ffnDown())) {
                    String role = t.name().substring(t.name().indexOf('.', 4) + 1).replace(".weight", "");
                    products.merge(role + " " + t.type(), new Product(0, 0, 0).plus(t, n), (a, b) ->
                            new Product(a.calls() + b.calls(), a.multiplyAdds() + b.multiplyAdds(),
                                    a.weightBytes() + b.weightBytes()));
                }
            }
            TensorData head = r.model.weights().output(); // role "output" even when it is token_embd
            products.put("output " + head.type(), new Product(0, 0, 0).plus(head, 1));

            Map<String, Product> profiledProducts = new HashMap<>();
            Map<String, Long> otherCalls = new HashMap<>();
            long opNanos = 0;
            for (OpProfile.Entry e : recorded) {
                opNanos += e.nanos();
                assertTrue(e.nanos() > 0, e.toString());
                if (e.op().equals("matMul")) {
                    profiledProducts.put(e.role() + " " + e.type(),
                            new Product(e.calls(), e.multiplyAdds(), e.weightBytes()));
                } else {
                    assertEquals("", e.role());
                    assertNull(e.type());
                    assertEquals(0, e.multiplyAdds());
                    otherCalls.put(e.op(), e.calls());
                }
            }
            assertEquals(products, profiledProducts);
            assertEquals(Map.of("embed", 1L, "rmsNorm", 2L * blocks + 1, "rope", 2L * blocks, "storeKv", (long) blocks,
                    "attention", (long) blocks, "add", 2L * blocks, "swiGlu", (long) blocks, "gatherRows", 1L),
                    otherCalls);
            assertEquals(1, p.passes());
            assertTrue(p.passNanos() >= opNanos, p.passNanos() + " < " + opNanos);
            assertEquals(p.passNanos() - opNanos, p.outsideOpsNanos());
        }
    }

    @Test
    void aBatchLongerThanTheBatchSizeCountsOnePassPerChunk() {
        try (Reference r = new Reference(MODEL, 2, 5, MatMulPrecision.Q8);
             KvCache cache = r.cache(GgmlType.F32, 32)) {
            int[] ids = r.promptIds();
            int n = ids.length;
            OpProfile p = new OpProfile();
            r.forward.profile(p);
            r.forward.forward(cache, Batch.ofSequence(0, 0, ids, 0, n, false), new float[r.vocab]);
            r.forward.profile(null);
            long chunks = (n + 4) / 5;
            assertTrue(chunks > 1, "the prompt must span chunks: " + n + " tokens");
            assertEquals(chunks, p.passes());
            long embeds = p.entries().stream().filter(e -> e.op().equals("embed")).mapToLong(OpProfile.Entry::calls)
                    .sum();
            assertEquals(chunks, embeds);
        }
    }
}
