package dev.kiln.bench;

import dev.kiln.core.spi.DeviceTensor;
import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.cpu.CpuBackend;
import dev.kiln.cpu.CpuThreads;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Quantized matrix x activations through the CPU backend's {@code matMul}, as the engine calls it (precision q8:
 * repacked weights and 8-bit activations; f32: float activations on the mapped weights), at Mistral-7B shapes
 * ({@code rows x cols}: 4096x4096 attention, 14336x4096 ffn gate/up, 4096x14336 ffn down), for decode (1 token) and
 * batched prompt processing (32, 512 tokens), next to {@link #memoryRead}: one pass over a buffer of the weights' size
 * on the same threads. {@link MatVecReport} turns the two into a fraction of read bandwidth.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar MatVecBench -p type=Q4_K -p shape=4096x4096 -p tokens=1</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-XX:CompileCommand=quiet", "-XX:CompileCommand=CompileThresholdScaling,dev.kiln.cpu.*::*,0.05",
        "-Xmx8g"})
public class MatVecBench {

    @Param({"Q4_K", "Q6_K", "Q8_0", "Q4_0", "Q5_K", "Q3_K", "Q2_K", "Q4_1", "Q5_0", "Q5_1", "IQ4_NL", "F16", "BF16", "F32"})
    public String type;

    /** rows x cols of the weight matrix. */
    @Param({"4096x4096", "14336x4096", "4096x14336"})
    public String shape;

    @Param({"1", "32", "512"})
    public int tokens;

    @Param({"2"})
    public int threads;

    @Param({"q8", "f32"})
    public String precision;

    private Arena arena;
    private CpuThreads pool;
    private CpuBackend backend;
    private MemoryRead memory;
    private TensorData weights;
    private DeviceTensor matrix;
    private DeviceTensor x;   // [tokens][cols]
    private DeviceTensor out; // [tokens][rows]

    @Setup(Level.Trial)
    public void setUp() {
        String[] rc = shape.split("x");
        int rows = Integer.parseInt(rc[0]);
        int cols = Integer.parseInt(rc[1]);
        arena = Arena.ofShared();
        pool = new CpuThreads(threads);
        backend = new CpuBackend(threads, MatMulPrecision.parse(precision));
        weights = SyntheticWeights.matrix(arena, GgmlType.valueOf(type), rows, cols, 42);
        matrix = backend.upload(weights);
        memory = new MemoryRead(pool, weights.segment().byteSize());
        float[] input = new float[tokens * cols];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (random.nextDouble() * 2 - 1);
        }
        x = backend.allocate(input.length);
        backend.fromHost(input, x, input.length);
        out = backend.allocate((long) tokens * rows);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
        pool.close();
        arena.close();
    }

    /** The weights times {@code tokens} activation rows. */
    @Benchmark
    public DeviceTensor matMul() {
        backend.ops().matMul(out, matrix, x, tokens);
        return out;
    }

    /** One read of a buffer as large as the weights (the bandwidth baseline; independent of {@code tokens}). */
    @Benchmark
    public long memoryRead() {
        return memory.readAll(weights.segment());
    }
}
