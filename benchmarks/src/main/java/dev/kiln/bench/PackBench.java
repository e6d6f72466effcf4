package dev.kiln.bench;

import dev.kiln.cpu.packed.PackedKernel;
import dev.kiln.cpu.packed.PackedKernels;
import dev.kiln.cpu.packed.PackedMatrix;
import dev.kiln.cpu.packed.Packing;
import dev.kiln.cpu.simd.Species;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.TensorData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;

/**
 * The load's repacking ({@link Packing}), on one thread, per weight type: a {@code rows x cols} matrix (default the
 * Mistral-7B ffn gate/up shape) packed group by group into memory already written once ({@link #pack}), or into a
 * new mapping each time ({@link #packFresh}: the first write to each page, a page fault, counts too, as in a load).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar PackBench -p type=Q4_K,Q6_K</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:CompileCommand=quiet", "-Xmx4g"})
public class PackBench {

    @Param({"Q4_K", "Q6_K", "Q5_K", "Q3_K", "Q2_K", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL"})
    public String type;

    /** rows x cols of the weight matrix. */
    @Param({"14336x4096"})
    public String shape;

    private Arena arena;
    private TensorData weights;
    private PackedKernel kernel;
    private int groupRows;
    private PackedMatrix target;

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        weights = SyntheticWeights.matrix(arena, GgmlType.valueOf(type), rows, cols, 42);
        kernel = PackedKernels.of(weights.type());
        groupRows = PackedKernels.groupRows(Species.preferred());
        target = packInto(arena);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Packs the matrix over the copy made at set-up. */
    @Benchmark
    public PackedMatrix pack() {
        packGroups(target);
        return target;
    }

    /** Packs the matrix into memory mapped for this call, unmapped after it. */
    @Benchmark
    public long packFresh() {
        try (Arena call = Arena.ofConfined()) {
            return packInto(call).data().byteSize();
        }
    }

    private PackedMatrix packInto(Arena into) {
        PackedMatrix m = Packing.allocate(weights.name(), weights.type(), (int) weights.rowCount(),
                (int) weights.rowLength(), kernel, groupRows, into);
        packGroups(m);
        return m;
    }

    private void packGroups(PackedMatrix m) {
        for (int g = 0; g < m.groups(); g++) {
            Packing.packGroup(m, weights.segment(), kernel, g);
        }
    }
}
