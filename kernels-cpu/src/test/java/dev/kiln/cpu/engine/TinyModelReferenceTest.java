package dev.kiln.cpu.engine;

import dev.kiln.core.spi.MatMulPrecision;
import dev.kiln.core.graph.Forward;
import dev.kiln.core.graph.Placement;
import dev.kiln.core.kv.KvCache;
import dev.kiln.core.model.GgufModel;
import dev.kiln.core.model.ModelLoader;
import dev.kiln.core.spi.Batch;
import dev.kiln.cpu.CpuBackend;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufWriter;
import dev.kiln.gguf.Metadata;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A tiny random F32 model written with {@link GgufWriter}, run by the engine and by an independent float64 forward
 * pass written here from the equations (testdata/synthetic/README.md, "Forward pass"). Covers what no reference file
 * does: qwen2's Q/K/V biases with NEOX RoPE and a tied output, next to llama (normal RoPE, untied output).
 */
class TinyModelReferenceTest {
    static final int DIM = 64, HEADS = 4, HEADS_KV = 2, HD = 16, FF = 96, VOCAB = 100, BLOCKS = 2;
    static final float EPS = 1e-6f, BASE = 10000f;

    @ParameterizedTest
    @ValueSource(strings = {"qwen2", "llama"})
    void engineMatchesFloat64Reference(String arch, @TempDir Path dir) throws IOException {
        boolean qwen2 = arch.equals("qwen2");
        Map<String, float[]> w = new HashMap<>();
        Random rnd = new Random(arch.hashCode());
        Metadata md = Metadata.builder().putString("general.architecture", arch)
                .putUint32(arch + ".block_count", BLOCKS).putUint32(arch + ".embedding_length", DIM)
                .putUint32(arch + ".context_length", 64).putUint32(arch + ".feed_forward_length", FF)
                .putUint32(arch + ".attention.head_count", HEADS).putUint32(arch + ".attention.head_count_kv", HEADS_KV)
                .putFloat32(arch + ".attention.layer_norm_rms_epsilon", EPS).putFloat32(arch + ".rope.freq_base", BASE)
                .putUint32(arch + ".vocab_size", VOCAB).build();
        GgufWriter writer = new GgufWriter(md);
        tensor(writer, w, rnd, "token_embd.weight", 0.5, DIM, VOCAB);
        norm(writer, w, rnd, "output_norm.weight");
        if (!qwen2) {
            tensor(writer, w, rnd, "output.weight", 0.1, DIM, VOCAB);
        }
        for (int l = 0; l < BLOCKS; l++) {
            String b = "blk." + l + ".";
            norm(writer, w, rnd, b + "attn_norm.weight");
            tensor(writer, w, rnd, b + "attn_q.weight", 0.2, DIM, HEADS * HD);
            tensor(writer, w, rnd, b + "attn_k.weight", 0.2, DIM, HEADS_KV * HD);
            tensor(writer, w, rnd, b + "attn_v.weight", 0.1, DIM, HEADS_KV * HD);
            if (qwen2) {
                tensor(writer, w, rnd, b + "attn_q.bias", 0.5, HEADS * HD);
                tensor(writer, w, rnd, b + "attn_k.bias", 0.5, HEADS_KV * HD);
                tensor(writer, w, rnd, b + "attn_v.bias", 0.5, HEADS_KV * HD);
            }
            tensor(writer, w, rnd, b + "attn_output.weight", 0.1, HEADS * HD, DIM);
            norm(writer, w, rnd, b + "ffn_norm.weight");
            tensor(writer, w, rnd, b + "ffn_gate.weight", 0.1, DIM, FF);
            tensor(writer, w, rnd, b + "ffn_up.weight", 0.1, DIM, FF);
            tensor(writer, w, rnd, b + "ffn_down.weight", 0.1, FF, DIM);
        }
        Path file = dir.resolve(arch + ".gguf");
        writer.write(file);

        int[] tokens = {1, 17, 42, 99, 3, 17, 64};
        double[][] expected = reference(w, tokens, qwen2);
        try (GgufModel model = ModelLoader.load(file); CpuBackend cpu = new CpuBackend(2, MatMulPrecision.F32);
             Forward forward = new Forward(model, Placement.cpuOnly(BLOCKS), cpu, null, 4);
             KvCache cache = forward.newCache(GgmlType.F32, 1, 16)) {
            assertEquals(qwen2, model.hyperParams().tiedOutput());
            float[] logits = new float[tokens.length * VOCAB];
            forward.forward(cache, Batch.ofSequence(0, 0, tokens, 0, tokens.length, true), logits);
            double max = 0;
            double spread = 0;
            for (int p = 0; p < tokens.length; p++) {
                for (int v = 0; v < VOCAB; v++) {
                    max = Math.max(max, Math.abs(logits[p * VOCAB + v] - expected[p][v]));
                    spread = Math.max(spread, Math.abs(expected[p][v]));
                }
            }
            assertTrue(spread > 0.5, "degenerate model: logits up to " + spread);
            assertTrue(max < 1e-4, arch + ": max abs diff vs float64 " + max);
        }
    }

    private static void tensor(GgufWriter writer, Map<String, float[]> w, Random rnd, String name, double std, long... shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        w.put(name, v);
        writer.addTensor(name, shape, v);
    }

    private static void norm(GgufWriter writer, Map<String, float[]> w, Random rnd, String name) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) (1 + 0.1 * rnd.nextGaussian());
        }
        w.put(name, v);
        writer.addTensor(name, new long[] {DIM}, v);
    }

    // ---- float64 reference ----------------------------------------------------------------------------------

    /** out[r] = Σ_c W[r·cols + c] · x[c]: GGUF [cols, rows]. */
    static double[] mul(float[] wm, double[] x, int cols, int rows) {
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double s = 0;
            for (int c = 0; c < cols; c++) {
                s += wm[r * cols + c] * x[c];
            }
            out[r] = s;
        }
        return out;
    }

    static double[] rmsnorm(double[] x, float[] weight, int from, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += x[from + i] * x[from + i];
        }
        double scale = 1 / Math.sqrt(ss / n + EPS);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = x[from + i] * scale * weight[i];
        }
        return out;
    }

    static void rope(double[] x, int heads, int p, boolean neox) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < HD / 2; i++) {
                double theta = p * Math.pow(BASE, -2.0 * i / HD);
                int a = h * HD + (neox ? i : 2 * i);
                int b = h * HD + (neox ? i + HD / 2 : 2 * i + 1);
                double xa = x[a];
                double xb = x[b];
                x[a] = xa * Math.cos(theta) - xb * Math.sin(theta);
                x[b] = xa * Math.sin(theta) + xb * Math.cos(theta);
            }
        }
    }

    static double[][] reference(Map<String, float[]> w, int[] tokens, boolean qwen2) {
        int n = tokens.length;
        double[][][] keys = new double[BLOCKS][n][];
        double[][][] values = new double[BLOCKS][n][];
        double[][] logits = new double[n][];
        for (int p = 0; p < n; p++) {
            double[] x = new double[DIM];
            for (int i = 0; i < DIM; i++) {
                x[i] = w.get("token_embd.weight")[tokens[p] * DIM + i];
            }
            for (int l = 0; l < BLOCKS; l++) {
                String b = "blk." + l + ".";
                double[] h = rmsnorm(x, w.get(b + "attn_norm.weight"), 0, DIM);
                double[] q = mul(w.get(b + "attn_q.weight"), h, DIM, HEADS * HD);
                double[] k = mul(w.get(b + "attn_k.weight"), h, DIM, HEADS_KV * HD);
                double[] v = mul(w.get(b + "attn_v.weight"), h, DIM, HEADS_KV * HD);
                if (qwen2) {
                    for (int i = 0; i < q.length; i++) q[i] += w.get(b + "attn_q.bias")[i];
                    for (int i = 0; i < k.length; i++) k[i] += w.get(b + "attn_k.bias")[i];
                    for (int i = 0; i < v.length; i++) v[i] += w.get(b + "attn_v.bias")[i];
                }
                rope(q, HEADS, p, qwen2);
                rope(k, HEADS_KV, p, qwen2);
                keys[l][p] = k;
                values[l][p] = v;
                double[] att = new double[HEADS * HD];
                for (int hd = 0; hd < HEADS; hd++) {
                    int kvh = hd / (HEADS / HEADS_KV);
                    double[] s = new double[p + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int t = 0; t <= p; t++) {
                        double dot = 0;
                        for (int i = 0; i < HD; i++) {
                            dot += q[hd * HD + i] * keys[l][t][kvh * HD + i];
                        }
                        s[t] = dot / Math.sqrt(HD);
                        max = Math.max(max, s[t]);
                    }
                    double sum = 0;
                    for (int t = 0; t <= p; t++) {
                        s[t] = Math.exp(s[t] - max);
                        sum += s[t];
                    }
                    for (int t = 0; t <= p; t++) {
                        for (int i = 0; i < HD; i++) {
                            att[hd * HD + i] += s[t] / sum * values[l][t][kvh * HD + i];
                        }
                    }
                }
                double[] o = mul(w.get(b + "attn_output.weight"), att, HEADS * HD, DIM);
                for (int i = 0; i < DIM; i++) x[i] += o[i];
                h = rmsnorm(x, w.get(b + "ffn_norm.weight"), 0, DIM);
                double[] g = mul(w.get(b + "ffn_gate.weight"), h, DIM, FF);
                double[] u = mul(w.get(b + "ffn_up.weight"), h, DIM, FF);
                for (int i = 0; i < FF; i++) g[i] = g[i] / (1 + Math.exp(-g[i])) * u[i];
                double[] d = mul(w.get(b + "ffn_down.weight"), g, FF, DIM);
                for (int i = 0; i < DIM; i++) x[i] += d[i];
            }
            double[] h = rmsnorm(x, w.get("output_norm.weight"), 0, DIM);
            logits[p] = mul(w.get(qwen2 ? "token_embd.weight" : "output.weight"), h, DIM, VOCAB);
        }
        return logits;
    }
}
