package dev.kiln.core.model;

import dev.kiln.core.arch.Architecture;
import dev.kiln.core.arch.HParam;
import dev.kiln.core.arch.HyperParams;
import dev.kiln.core.arch.TensorRole;
import dev.kiln.core.arch.UnsupportedModelException;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.TensorData;
import dev.kiln.gguf.TensorInfo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.kiln.core.arch.TensorRole.*;

/**
 * Resolves every tensor role of a model file against its architecture and hyperparameters, checking presence,
 * shape (GGUF order) and type before any compute, and reports every problem in one
 * {@link UnsupportedModelException} ("tensor blk.3.attn_k.weight: expected [4096, 1024], found [4096, 4096]").
 * Norm weights and biases must be F32 (every converter writes them so); matrices may be any type, the backends
 * check their own support when layers are placed.
 */
public final class ModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLoader.class);
    private static final Pattern BLOCK_TENSOR = Pattern.compile("blk\\.(\\d+)\\..*");

    private final GgufFile file;
    private final HyperParams hp;
    private final List<String> problems = new ArrayList<>();
    private final Set<String> used = new HashSet<>(); // names of the tensors resolved

    private ModelLoader(GgufFile file, HyperParams hp) {
        this.file = file;
        this.hp = hp;
    }

    /** Opens, maps and resolves {@code path}; the returned model owns the file. */
    public static GgufModel load(Path path) throws IOException {
        GgufFile file = GgufFile.open(path);
        try {
            return resolve(file);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Resolves an open file; the returned model owns it. */
    public static GgufModel resolve(GgufFile file) {
        HyperParams hp = HyperParams.read(file);
        return new GgufModel(file, hp, new ModelLoader(file, hp).weights());
    }

    private ModelWeights weights() {
        Architecture arch = hp.architecture();
        int dim = hp.embeddingLength();
        int vocab = hp.vocabSize();
        TensorData tokenEmbd = matrix(TOKEN_EMBD, 0, dim, vocab);
        TensorData outputNorm = vector(OUTPUT_NORM, 0, dim);
        TensorData output = hp.tiedOutput() ? tokenEmbd : matrix(OUTPUT, 0, dim, vocab);
        List<LayerWeights> layers = new ArrayList<>();
        for (int l = 0; l < hp.blockCount(); l++) {
            int q = hp.queryLength(l);
            int kw = hp.keyWidth(l);
            int vw = hp.valueWidth(l);
            int ff = hp.feedForwardLength(l);
            layers.add(new LayerWeights(
                    vector(ATTN_NORM, l, dim),
                    matrix(ATTN_Q, l, dim, q), matrix(ATTN_K, l, dim, kw), matrix(ATTN_V, l, dim, vw),
                    vector(ATTN_Q_BIAS, l, q), vector(ATTN_K_BIAS, l, kw), vector(ATTN_V_BIAS, l, vw),
                    vector(ATTN_Q_NORM, l, hp.keyLength()), vector(ATTN_K_NORM, l, hp.keyLength()),
                    matrix(ATTN_OUTPUT, l, hp.headCount(l) * hp.valueLength(), dim),
                    vector(FFN_NORM, l, dim),
                    matrix(FFN_GATE, l, dim, ff), matrix(FFN_UP, l, dim, ff), matrix(FFN_DOWN, l, ff, dim)));
        }
        checkUnusedTensors();
        if (!problems.isEmpty()) {
            throw new UnsupportedModelException("model " + file.name() + " (" + arch.ggufName() + ")", problems);
        }
        return new ModelWeights(tokenEmbd, layers, outputNorm, output);
    }

    /**
     * Tensors the model does not use. One of a block past {@code block_count} means the metadata and the tensors
     * disagree (llama.cpp refuses such a file too), so it is a problem; others (e.g. {@code rope_freqs.weight}) are
     * logged once and ignored.
     */
    private void checkUnusedTensors() {
        List<String> ignored = new ArrayList<>();
        for (TensorInfo info : file.tensors()) {
            String name = info.name();
            if (used.contains(name)) {
                continue;
            }
            Matcher m = BLOCK_TENSOR.matcher(name);
            if (m.matches() && (m.group(1).length() > 9 || Integer.parseInt(m.group(1)) >= hp.blockCount())) {
                problems.add("tensor " + name + ": belongs to block " + m.group(1) + " but "
                        + HParam.BLOCK_COUNT.key(hp.architecture().ggufName()) + " is " + hp.blockCount());
            } else {
                ignored.add(name);
            }
        }
        if (!ignored.isEmpty()) {
            LOG.warn("{}: {} tensor(s) not used by the {} architecture, ignored: {}", file.name(), ignored.size(),
                    hp.architecture().ggufName(), ignored.size() > 8 ? ignored.subList(0, 8) + " ..." : ignored);
        }
    }

    /** A 2-D tensor [cols, rows]: null (with a problem when required) if absent or misshapen. */
    private TensorData matrix(TensorRole role, int layer, long cols, long rows) {
        return tensor(role, layer, new long[] {cols, rows}, false);
    }

    /** A 1-D F32 tensor [n]. */
    private TensorData vector(TensorRole role, int layer, long n) {
        return tensor(role, layer, new long[] {n}, true);
    }

    private TensorData tensor(TensorRole role, int layer, long[] shape, boolean f32) {
        Architecture arch = hp.architecture();
        if (!arch.uses(role)) {
            return null;
        }
        String name = role.tensorName(layer);
        TensorInfo info = file.findTensor(name).orElse(null);
        if (info == null) {
            if (arch.required().contains(role)) {
                problems.add("tensor " + name + ": missing (expected " + Arrays.toString(shape) + ")");
            }
            return null;
        }
        used.add(name);
        long[] found = info.shape();
        long[] trimmed = trimTrailingOnes(found);
        boolean ok = Arrays.equals(trimmed, shape);
        if (!ok || (f32 && info.type() != GgmlType.F32)) {
            problems.add("tensor " + name + ": expected " + Arrays.toString(shape) + (f32 ? " F32" : "")
                    + ", found " + Arrays.toString(found) + " " + info.type());
            return null;
        }
        return file.data(info);
    }

    private static long[] trimTrailingOnes(long[] shape) {
        int n = shape.length;
        while (n > 1 && shape[n - 1] == 1) {
            n--;
        }
        return Arrays.copyOf(shape, n);
    }
}
