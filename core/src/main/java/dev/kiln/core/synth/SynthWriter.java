package dev.kiln.core.synth;

import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufWriter;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.TensorInfo;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes a synthetic model file: the metadata llama.cpp's converter and quantizer would write for the shape
 * and mix (architecture keys, {@code general.file_type}, {@code general.quantization_version}, tokenizer), and
 * every tensor of the {@link TensorPlan} with random contents: matrices of standard deviation {@link #WEIGHT_STD}
 * ({@link RandomBlocks}), norm weights {@code 1 + N(0, 0.02)}-like, as in the synthetic test models.
 *
 * <p>Tensors are generated while the file is written, in 4 MiB chunks through {@link GgufWriter}, so memory use
 * does not depend on the file size. The file appears under its name only when complete (written to
 * {@code NAME.part}, then moved).
 */
public final class SynthWriter {

    /** Standard deviation of every weight matrix (that of the synthetic test models). */
    public static final double WEIGHT_STD = 0.02;
    /** Standard deviation of the norm weights around 1. */
    public static final double NORM_STD = 0.02;
    private static final int CHUNK_BYTES = 4 << 20;

    /** Reports progress: bytes of tensor data written so far, of {@code total}. */
    @FunctionalInterface
    public interface Progress {
        void update(long written, long total);
    }

    /** What was written. */
    public record Result(Path path, long fileBytes, long parameters, double seconds) {
        /** Write rate in MB/s (10^6 bytes). */
        public double megabytesPerSecond() {
            return fileBytes / 1e6 / Math.max(seconds, 1e-9);
        }
    }

    private final ModelShape shape;
    private final QuantMix mix;
    private final long seed;
    private final Metadata tokenizer;
    private final List<TensorPlan.Entry> plan;

    /**
     * @param tokenizer {@code tokenizer.*} metadata with exactly {@code shape.vocabSize()} tokens, or null to
     *                  generate a vocabulary of the shape's {@link VocabKind}
     * @throws IllegalArgumentException when the tokenizer's size differs from the shape's vocabulary size, or a
     *                                  tensor's type cannot be generated
     */
    public SynthWriter(ModelShape shape, QuantMix mix, long seed, Metadata tokenizer) {
        this.shape = Objects.requireNonNull(shape, "shape");
        this.mix = Objects.requireNonNull(mix, "mix");
        this.seed = seed;
        this.tokenizer = tokenizer != null ? tokenizer
                : SyntheticVocab.generate(shape.vocab(), shape.vocabSize(), seed);
        int tokens = SyntheticVocab.size(this.tokenizer);
        if (tokens != shape.vocabSize()) {
            throw new IllegalArgumentException("the vocabulary has " + tokens + " tokens but the shape "
                    + shape.name() + " has vocab_size " + shape.vocabSize());
        }
        this.plan = TensorPlan.of(shape, mix);
        for (TensorPlan.Entry e : plan) {
            if (!RandomBlocks.supports(e.type())) {
                throw new IllegalArgumentException(e.name() + ": synth cannot generate " + e.type());
            }
        }
    }

    public List<TensorPlan.Entry> plan() {
        return plan;
    }

    /** The file's metadata, in the order it is written. */
    public Metadata metadata() {
        Metadata.Builder b = Metadata.builder();
        b.putString("general.architecture", shape.architecture());
        b.putString("general.name", shape.displayName());
        b.putAll(shape.architectureMetadata());
        b.putUint32("general.file_type", mix.fileType());
        b.putUint32("general.quantization_version", 2);
        b.putAll(tokenizer);
        shape.tokenizerOverrides().forEach(b::set);
        return b.build();
    }

    /** The GGUF writer for this model (tensor sources generate their contents when it writes). */
    GgufWriter gguf(Progress progress, long total) {
        GgufWriter writer = new GgufWriter(metadata());
        byte[] buffer = new byte[CHUNK_BYTES + 512];
        MemorySegment segment = MemorySegment.ofArray(buffer);
        long[] written = {0};
        for (TensorPlan.Entry e : plan) {
            long tensorSeed = RandomBlocks.seedFor(seed, e.name());
            if (QuantMix.isNorm(e.role())) {
                writer.addTensor(e.name(), e.shape(), normWeights((int) e.elementCount(), tensorSeed));
                continue;
            }
            GgmlType type = e.type();
            long blocks = e.elementCount() / type.blockSize();
            int perChunk = Math.max(1, CHUNK_BYTES / type.bytesPerBlock());
            writer.addTensor(e.name(), type, e.shape(), sink -> {
                RandomBlocks random = new RandomBlocks(type, WEIGHT_STD, tensorSeed);
                for (long done = 0; done < blocks; ) {
                    int n = (int) Math.min(perChunk, blocks - done);
                    random.fill(segment, n);
                    int bytes = n * type.bytesPerBlock();
                    sink.write(ByteBuffer.wrap(buffer, 0, bytes));
                    done += n;
                    written[0] += bytes;
                    if (progress != null) {
                        progress.update(written[0], total);
                    }
                }
            });
        }
        return writer;
    }

    /** Tensor infos as they will be written (offsets relative to the data section). */
    public List<TensorInfo> tensorInfos() {
        return gguf(null, 0).tensorInfos();
    }

    /** Writes the file (replacing an existing one) and returns what was written. */
    public Result write(Path path, Progress progress) throws IOException {
        long start = System.nanoTime();
        long total = TensorPlan.dataBytes(plan, 32);
        Path part = path.resolveSibling(path.getFileName() + ".part");
        try {
            gguf(progress, total).write(part);
            Files.move(part, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(path, Files.size(path), TensorPlan.parameterCount(plan), seconds);
    }

    private static float[] normWeights(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[n]; // [n]
        for (int i = 0; i < n; i++) {
            w[i] = (float) (1 + NORM_STD * random.nextGaussian());
        }
        return w;
    }
}
