package dev.kiln.core.graph;

import dev.kiln.core.spi.Backend;
import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.Ops;
import dev.kiln.gguf.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ProfiledOps} hands every call to the backend's ops unchanged (same method, the same argument objects), waits
 * for the backend after each, and records it under its op, and a matrix product under its weight's role and type.
 */
class ProfiledOpsTest {

    private record Tensor(GgmlType type, long elements) implements DeviceTensor {
    }

    /** What the fake backend saw: each op call (name and arguments), and "synchronize". */
    private final List<Object[]> calls = new ArrayList<>();

    private Backend backend() {
        Ops ops = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(), new Class<?>[] {Ops.class},
                (proxy, method, args) -> {
                    calls.add(new Object[] {method.getName(), args});
                    return null;
                });
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "ops" -> ops;
                    case "synchronize" -> {
                        calls.add(new Object[] {"synchronize", null});
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void everyOpIsPassedThroughThenSynchronizedAndRecorded() throws Exception {
        OpProfile profile = new OpProfile();
        Tensor q = new Tensor(GgmlType.Q4_K, 2048L * 256); // [256 rows][2048 cols]
        Tensor up = new Tensor(GgmlType.Q6_K, 2048L * 5632);
        Map<DeviceTensor, String> roles = Map.of(q, "attn_q", up, "ffn_up");
        ProfiledOps profiled = new ProfiledOps(backend(), profile, roles::get);

        List<String> names = new ArrayList<>();
        for (Method m : Ops.class.getMethods()) {
            if (m.getName().equals("matMuls")) {
                continue; // below: one by one, through matMul
            }
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                // distinct values and objects, so that a swapped or replaced argument shows
                args[i] = types[i] == int.class ? 7 + i : types[i] == float.class ? 0.5f + i
                        : types[i] == DeviceTensor.class ? new Tensor(GgmlType.F32, 10 + i)
                        : types[i] == int[].class ? new int[] {i} : null;
            }
            if (m.getName().equals("matMul")) {
                args[1] = q; // the weight
            }
            m.invoke(profiled, args);
            names.add(m.getName());
            Object[] call = calls.get(calls.size() - 2);
            assertEquals(m.getName(), call[0]);
            Object[] passed = (Object[]) call[1];
            for (int i = 0; i < args.length; i++) {
                if (types[i].isPrimitive()) {
                    assertEquals(args[i], passed[i], m.getName() + " argument " + i);
                } else {
                    assertSame(args[i], passed[i], m.getName() + " argument " + i);
                }
            }
            assertEquals("synchronize", calls.getLast()[0], m.getName() + " then waits for the backend");
        }
        assertEquals(10, names.size(), "Ops has ten methods besides matMuls: " + names);
        profiled.matMul(new Tensor(GgmlType.F32, 5632), up, new Tensor(GgmlType.F32, 2048), 1);

        List<OpProfile.Entry> entries = profile.entries();
        assertEquals(11, entries.size(), entries.toString());
        for (OpProfile.Entry e : entries) {
            assertEquals(1, e.calls(), e.toString());
            if (e.op().equals("matMul")) {
                boolean isQ = e.role().equals("attn_q");
                Tensor w = isQ ? q : up;
                assertEquals(isQ ? "attn_q" : "ffn_up", e.role());
                assertEquals(w.type(), e.type());
                int tokens = isQ ? 7 + 3 : 1; // matMul(out, w, x, tokens): the fourth argument, 7 + 3
                assertEquals(w.elements() * tokens, e.multiplyAdds(), e.toString());
                assertEquals(w.type().byteSize(w.elements()), e.weightBytes(), e.toString());
            } else {
                assertEquals("", e.role());
                assertNull(e.type());
                assertEquals(0, e.multiplyAdds());
                assertEquals(0, e.weightBytes());
                assertTrue(names.contains(e.op()), e.op());
            }
        }
        assertEquals(2, entries.stream().filter(e -> e.op().equals("matMul")).count());
        assertEquals(0, profile.passes(), "passes are Forward's to record");
        assertTrue(Arrays.stream(Ops.class.getMethods()).allMatch(m -> m.getReturnType() == void.class));
    }

    /**
     * Products of one input are handed to the backend one by one, each waited for and recorded under its own role:
     * a backend's one call for them all would leave the profile without the roles' rows.
     */
    @Test
    void productsOfOneInputAreProfiledOneByOne() {
        OpProfile profile = new OpProfile();
        Tensor q = new Tensor(GgmlType.Q4_K, 2048L * 256);
        Tensor k = new Tensor(GgmlType.Q6_K, 2048L * 64);
        Map<DeviceTensor, String> roles = Map.of(q, "attn_q", k, "attn_k");
        ProfiledOps profiled = new ProfiledOps(backend(), profile, roles::get);
        DeviceTensor x = new Tensor(GgmlType.F32, 2048 * 3);
        DeviceTensor[] out = {new Tensor(GgmlType.F32, 256 * 3), new Tensor(GgmlType.F32, 64 * 3)};
        profiled.matMuls(out, new DeviceTensor[] {q, k}, x, 3);

        assertEquals(List.of("matMul", "synchronize", "matMul", "synchronize"),
                calls.stream().map(c -> (String) c[0]).toList());
        for (int i = 0; i < 2; i++) {
            Object[] passed = (Object[]) calls.get(2 * i)[1];
            assertSame(out[i], passed[0]);
            assertSame(i == 0 ? q : k, passed[1]);
            assertSame(x, passed[2]);
            assertEquals(3, passed[3]);
        }
        List<OpProfile.Entry> entries = profile.entries();
        assertEquals(List.of("attn_q", "attn_k"), entries.stream().map(OpProfile.Entry::role).toList());
        assertEquals(List.of(q.elements() * 3, k.elements() * 3),
                entries.stream().map(OpProfile.Entry::multiplyAdds).toList());
    }
}
