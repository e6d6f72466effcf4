// Element-wise and per-row operations of a decoder block: RMSNorm (plain and fused with the q8x quantization of the
// next mat-vec's input), RoPE (normal and NEOX pairing, YaRN, optional frequency factors), SwiGLU, residual add,
// F32 -> F16 conversion and the KV-cache store. Positions are read from device memory (int pos[tokens]) so a
// captured CUDA graph of the decode step stays valid from one token to the next.
#include "common.cuh"

// out [rows][n] = x [rows][n] * rsqrt(mean(x^2) + eps) * weight [n]. One block per row; out may alias x.
// Rows may be whole hidden states (rows = tokens) or heads (rows = tokens * heads, n = headDim, the QK norm).
extern "C" __global__ void rmsnorm(const float* x, const float* __restrict__ weight, float* out, int n, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * n;
    float* orow = out + (long long)blockIdx.x * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    const float inv = rsqrtf(ss / (float)n + eps);
    for (int i = threadIdx.x; i < n; i += blockDim.x) orow[i] = xr[i] * inv * weight[i];
}

// RMSNorm whose result goes straight to the q8x format (xq int8 [rows][n], xd [rows][n / 32]) for the next dp4a
// mat-vec: the normalized vector is never written as floats. blockDim.x is a multiple of 32 and n % 32 == 0, so each
// warp's 32 consecutive elements are one q8x block.
extern "C" __global__ void rmsnorm_q8x(const float* __restrict__ x, const float* __restrict__ weight, int8_t* __restrict__ xq,
                                       float* __restrict__ xd, int n, float eps) {
    __shared__ float scratch[32];
    const float* xr = x + (long long)blockIdx.x * n;
    float ss = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x) ss += xr[i] * xr[i];
    ss = block_sum(ss, scratch);
    const float inv = rsqrtf(ss / (float)n + eps);
    for (int base = threadIdx.x - threadIdx.x % WARP; base < n; base += blockDim.x) {
        const int i = base + threadIdx.x % WARP;
        float d;
        const int8_t q = quantize_lane_q8x(xr[i] * inv * weight[i], &d);
        xq[(long long)blockIdx.x * n + i] = q;
        if (threadIdx.x % WARP == 0) xd[((long long)blockIdx.x * n + base) / 32] = d;
    }
}

// YaRN frequency mixing (ggml rope_yarn): theta from the interpolated and extrapolated angles, ramped between the
// correction dimensions; mscale grows with log(1 / freqScale) when extFactor != 0.
__device__ __forceinline__ void rope_yarn(float thetaExtrap, float freqScale, float corr0, float corr1, int pair, float extFactor,
                                          float mscale, float* c, float* s) {
    const float thetaInterp = freqScale * thetaExtrap;
    float theta = thetaInterp;
    if (extFactor != 0.0f) {
        const float y = ((float)pair - corr0) / fmaxf(0.001f, corr1 - corr0);
        const float rampMix = (1.0f - fminf(1.0f, fmaxf(0.0f, y))) * extFactor;
        theta = thetaInterp * (1.0f - rampMix) + thetaExtrap * rampMix;
        mscale *= 1.0f + 0.1f * logf(1.0f / freqScale);
    }
    *c = cosf(theta) * mscale;
    *s = sinf(theta) * mscale;
}

// Rotates q [tokens][qHeads][headDim] and k [tokens][kHeads][headDim] in place at positions pos[tokens].
// Pair p (0 .. nDims/2) rotates (x[2p], x[2p+1]) when neox == 0 and (x[p], x[p + nDims/2]) when neox != 0;
// theta = pos * freqBase^(-2p / nDims) / freqFactors[p] (freqFactors may be null). Dims past nDims are untouched.
// Grid: (tokens, qHeads + kHeads); threads over pairs.
extern "C" __global__ void rope(float* q, float* k, const int* __restrict__ pos, int qHeads, int kHeads, int headDim, int nDims,
                                int neox, float freqBase, float freqScale, float extFactor, float attnFactor, float corr0,
                                float corr1, const float* __restrict__ freqFactors) {
    const int t = blockIdx.x, head = blockIdx.y;
    float* x = head < qHeads ? q + ((long long)t * qHeads + head) * headDim : k + ((long long)t * kHeads + head - qHeads) * headDim;
    const float thetaScale = powf(freqBase, -2.0f / (float)nDims);
    for (int p = threadIdx.x; p < nDims / 2; p += blockDim.x) {
        float thetaExtrap = (float)pos[t] * powf(thetaScale, (float)p);
        if (freqFactors != nullptr) thetaExtrap /= freqFactors[p];
        float c, s;
        rope_yarn(thetaExtrap, freqScale, corr0, corr1, p, extFactor, attnFactor, &c, &s);
        const int i0 = neox ? p : 2 * p, i1 = neox ? p + nDims / 2 : 2 * p + 1;
        const float x0 = x[i0], x1 = x[i1];
        x[i0] = x0 * c - x1 * s;
        x[i1] = x0 * s + x1 * c;
    }
}

// gate [n] = silu(gate) * up, element-wise over n = tokens * feedForwardLength.
extern "C" __global__ void swiglu(float* gate, const float* __restrict__ up, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// acc [n] += x [n] (the residual stream).
extern "C" __global__ void add(float* acc, const float* __restrict__ x, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        acc[i] += x[i];
}

// x [n] *= s (e.g. an attention temperature or a logit scale).
extern "C" __global__ void scale(float* x, float s, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        x[i] *= s;
}

// out F16 [n] = x F32 [n] (round to nearest even).
extern "C" __global__ void f32_to_f16(const float* __restrict__ x, __half* __restrict__ out, long long n) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = __float2half_rn(x[i]);
}

// Appends this step's keys and values to the F16 cache: cache row pos[t] <- k/v [t]. k, v f32 [tokens][kvDim];
// kCache, vCache F16 [ctx][kvDim]. Grid: (ceil(kvDim / blockDim), tokens).
extern "C" __global__ void kv_store(const float* __restrict__ k, const float* __restrict__ v, __half* __restrict__ kCache,
                                    __half* __restrict__ vCache, const int* __restrict__ pos, int kvDim) {
    const int t = blockIdx.y, i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= kvDim) return;
    const long long dst = (long long)pos[t] * kvDim + i, src = (long long)t * kvDim + i;
    kCache[dst] = __float2half_rn(k[src]);
    vCache[dst] = __float2half_rn(v[src]);
}
