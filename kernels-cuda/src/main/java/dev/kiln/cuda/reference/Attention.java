package dev.kiln.cuda.reference;

/**
 * Attention of one query token over a KV cache, twice: {@link #plain} is textbook softmax(scale * q.K) V, and
 * {@link #split} follows {@code attention.cu} (flash-decoding): the context is cut into splits of splitLen rows, each
 * keeps a running max m, sum l and unnormalized output in tiles of 64 rows, and a combine step rescales by
 * exp(m_s - max m). Both read the cache as the kernels store it: [ctx][kvHeads][headDim], row r for position r.
 * {@link #rows} is the kernels' whole launch: several query rows (decode slots or prompt tokens), each over its own
 * slice of the cache and causal length; attn_partial takes the query heads of a GQA group together (each K and V row
 * read once for all of them), which changes the memory traffic but not any head's arithmetic.
 */
public final class Attention {
    static final int TILE = 64;

    private Attention() {}

    /** out [heads][headDim] for query q [heads][headDim] attending to cache rows 0..len-1. */
    public static float[] plain(float[] q, float[] k, float[] v, int len, int heads, int kvHeads, int headDim, float scale, float softcap) {
        float[] out = new float[heads * headDim];
        int kvDim = kvHeads * headDim;
        for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            double[] s = new double[len];
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < len; t++) {
                double dot = 0;
                for (int i = 0; i < headDim; i++) {
                    dot += (double) q[h * headDim + i] * k[t * kvDim + kvh * headDim + i];
                }
                s[t] = capped(dot * scale, softcap);
                max = Math.max(max, s[t]);
            }
            double sum = 0;
            for (int t = 0; t < len; t++) {
                s[t] = Math.exp(s[t] - max);
                sum += s[t];
            }
            for (int i = 0; i < headDim; i++) {
                double o = 0;
                for (int t = 0; t < len; t++) {
                    o += s[t] * v[t * kvDim + kvh * headDim + i];
                }
                out[h * headDim + i] = (float) (o / sum);
            }
        }
        return out;
    }

    private static double capped(double score, float softcap) {
        return softcap > 0 ? softcap * Math.tanh(score / softcap) : score;
    }

    /**
     * attn_partial + attn_combine over several query rows: row t attends to cache rows kvStart[t] .. kvStart[t] +
     * kvLen[t] - 1 (its sequence's slice, causal length kvLen[t]) with nsplit splits of splitLen cells.
     *
     * @param q      [rows][heads][headDim]
     * @param k      [cells][kvHeads][headDim] (the whole cache)
     * @param scales per-row score scale (scale times the row's temperature)
     * @return out [rows][heads][headDim]
     */
    public static float[] rows(float[] q, float[] k, float[] v, int[] kvStart, int[] kvLen, int heads, int kvHeads, int headDim,
                               float[] scales, float softcap, int nsplit, int splitLen) {
        int rows = kvStart.length, kvDim = kvHeads * headDim, width = heads * headDim;
        float[] out = new float[rows * width];
        for (int t = 0; t < rows; t++) {
            float[] qt = java.util.Arrays.copyOfRange(q, t * width, (t + 1) * width);
            int from = kvStart[t] * kvDim, to = (kvStart[t] + kvLen[t]) * kvDim;
            float[] o = split(qt, java.util.Arrays.copyOfRange(k, from, to), java.util.Arrays.copyOfRange(v, from, to), kvLen[t],
                    heads, kvHeads, headDim, scales[t], softcap, nsplit, splitLen);
            System.arraycopy(o, 0, out, t * width, width);
        }
        return out;
    }

    /** The same result computed as attn_partial + attn_combine with nsplit splits of splitLen rows. */
    public static float[] split(float[] q, float[] k, float[] v, int len, int heads, int kvHeads, int headDim, float scale,
                                float softcap, int nsplit, int splitLen) {
        float[] out = new float[heads * headDim];
        int kvDim = kvHeads * headDim;
        for (int h = 0; h < heads; h++) {
            int kvh = h / (heads / kvHeads);
            float[] m = new float[nsplit], l = new float[nsplit];
            float[][] o = new float[nsplit][headDim];
            for (int s = 0; s < nsplit; s++) {
                float mm = Float.NEGATIVE_INFINITY, ll = 0;
                int start = s * splitLen, end = Math.min(start + splitLen, len);
                for (int j0 = start; j0 < end; j0 += TILE) {
                    int n = Math.min(TILE, end - j0);
                    float[] p = new float[n];
                    float tmax = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        float dot = 0;
                        for (int i = 0; i < headDim; i++) {
                            dot += q[h * headDim + i] * k[(j0 + j) * kvDim + kvh * headDim + i];
                        }
                        p[j] = (float) capped(dot * scale, softcap);
                        tmax = Math.max(tmax, p[j]);
                    }
                    float mNew = Math.max(mm, tmax), correction = (float) Math.exp(mm - mNew);
                    float tsum = 0;
                    for (int j = 0; j < n; j++) {
                        p[j] = (float) Math.exp(p[j] - mNew);
                        tsum += p[j];
                    }
                    ll = ll * correction + tsum;
                    mm = mNew;
                    for (int i = 0; i < headDim; i++) {
                        float acc = o[s][i] * correction;
                        for (int j = 0; j < n; j++) {
                            acc += p[j] * v[(j0 + j) * kvDim + kvh * headDim + i];
                        }
                        o[s][i] = acc;
                    }
                }
                m[s] = mm;
                l[s] = ll;
            }
            float mMax = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < nsplit; s++) {
                mMax = Math.max(mMax, m[s]);
            }
            float lSum = 0;
            for (int s = 0; s < nsplit; s++) {
                if (l[s] > 0) {
                    lSum += l[s] * (float) Math.exp(m[s] - mMax);
                }
            }
            for (int i = 0; i < headDim; i++) {
                float acc = 0;
                for (int s = 0; s < nsplit; s++) {
                    if (l[s] > 0) {
                        acc += o[s][i] * (float) Math.exp(m[s] - mMax);
                    }
                }
                out[h * headDim + i] = acc / lSum;
            }
        }
        return out;
    }
}
