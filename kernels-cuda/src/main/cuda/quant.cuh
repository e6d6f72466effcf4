// The ggml weight types as the CUDA kernels read them: for each type, its block layout, a single-weight
// dequantizer (used by the prefill tiles, the F16 conversion for cuBLAS and the embedding lookup) and the
// decode dot product of one warp lane against 8-bit activations (dp4a).
//
// Layouts follow ggml-common.h (block_q4_0 ... block_q6_K); QK is weights per block, BYTES the block size.
// Lane mapping for the mat-vec: the 32 lanes of a warp read consecutive 32-bit words of the same block
// (or of two or eight neighbouring blocks for the small types), so a warp reads a contiguous span per step.
// Each lane's integer sums are exact; the Java reference (dev.kiln.cuda.reference.LaneDot) mirrors this file.
// The block loops are unrolled so each warp keeps several independent loads in flight (decode is bandwidth-bound).
//
// lane_dots<NC> is the multi-column form (llama.cpp's MMVQ takes several columns the same way): the lane reads and
// decodes its weight words and scales once per block step, then multiplies them with up to NC activation columns
// (xq/xd of column c at xq + c * cols, xd + c * cols / 32; only the first ntok columns are used), so a decode step of
// several sequences streams each weight block once. Each column's arithmetic is exactly the single-column one.
// lane_dot is lane_dots<1>.
#pragma once
#include "common.cuh"

#define ONES 0x01010101

// ---------------------------------------------------------------------------------------------------------
// Q4_0   block: f16 d, u8 qs[16]  (18 bytes / 32 weights); w[i] = d * (nibble - 8), low nibbles are 0..15,
// high nibbles 16..31.  Warp step: 8 blocks, 4 lanes per block, each lane one 32-bit word of qs.
struct Q4_0 {
    static constexpr int QK = 32, BYTES = 18;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 32) * BYTES;
        const int i = k % 32;
        const int v = i < 16 ? (b[2 + i] & 0xF) : (b[2 + i - 16] >> 4);
        return f16_at(b) * (float)(v - 8);
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nb = cols / QK, t = lane % 4;
#pragma unroll (NC >= 8 ? 1 : 4)
        for (int ib = lane / 4; ib < nb; ib += 8) {
            const uint8_t* b = row + ib * BYTES;
            const uint32_t q = load_u32_a2(b + 2 + 4 * t);
            const uint32_t lo = q & 0x0F0F0F0F, hi = (q >> 4) & 0x0F0F0F0F;
            const float d = f16_at(b);
#pragma unroll
            for (int c = 0; c < NC; ++c) {
                if (c >= ntok) break;
                const int* x = reinterpret_cast<const int*>(xq + (long long)c * cols);
                const int xl = x[ib * 8 + t], xh = x[ib * 8 + 4 + t];
                int s = dot4(lo, xl, 0);
                s = dot4(hi, xh, s);
                const int sx = dot4(ONES, xh, dot4(ONES, xl, 0));
                acc[c] += d * xd[(long long)c * (cols / 32) + ib] * (float)(s - 8 * sx);
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// ---------------------------------------------------------------------------------------------------------
// Q8_0   block: f16 d, s8 qs[32]  (34 bytes / 32 weights); w[i] = d * qs[i].  Warp step: 4 blocks, 8 lanes each.
struct Q8_0 {
    static constexpr int QK = 32, BYTES = 34;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 32) * BYTES;
        return f16_at(b) * (float)(int8_t)b[2 + k % 32];
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nb = cols / QK, t = lane % 8;
#pragma unroll (NC >= 8 ? 1 : 4)
        for (int ib = lane / 8; ib < nb; ib += 4) {
            const uint8_t* b = row + ib * BYTES;
            const uint32_t q = load_u32_a2(b + 2 + 4 * t);
            const float d = f16_at(b);
#pragma unroll
            for (int c = 0; c < NC; ++c) {
                if (c >= ntok) break;
                const int* x = reinterpret_cast<const int*>(xq + (long long)c * cols);
                const int s = dot4(q, x[ib * 8 + t], 0);
                acc[c] += d * xd[(long long)c * (cols / 32) + ib] * (float)s;
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// 6-bit scale and min of sub-block j (0..7) packed in the 12 scale bytes of Q4_K and Q5_K (ggml get_scale_min_k4).
__device__ __forceinline__ void scale_min_k4(int j, const uint8_t* s, int* sc, int* m) {
    if (j < 4) {
        *sc = s[j] & 63;
        *m = s[j + 4] & 63;
    } else {
        *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
        *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Q4_K   block: f16 d, f16 dmin, u8 scales[12], u8 qs[128]  (144 bytes / 256 weights).
// qs byte 32c+l (c = 0..3): low nibble is weight 64c+l (sub-block 2c), high nibble weight 64c+32+l (sub-block 2c+1);
// w = d*sc*q - dmin*m.  Warp step: one super-block, lane L reads qs word L.
struct Q4_K {
    static constexpr int QK = 256, BYTES = 144;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 256) * BYTES;
        const int i = k % 256, c = i / 64, hi = (i % 64) >= 32, l = i % 32;
        int sc, m;
        scale_min_k4(2 * c + hi, b + 4, &sc, &m);
        const int byte = b[16 + 32 * c + l];
        const int q = hi ? (byte >> 4) : (byte & 0xF);
        return f16_at(b) * (float)sc * (float)q - f16_at(b + 2) * (float)m;
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nsb = cols / QK, c = lane / 8, w = lane % 8;
#pragma unroll (NC >= 8 ? 1 : 4)
        for (int sb = 0; sb < nsb; ++sb) {
            const uint8_t* b = row + sb * BYTES;
            const uint32_t q = load_u32_a4(b + 16 + 4 * lane);
            int sc1, m1, sc2, m2;
            scale_min_k4(2 * c, b + 4, &sc1, &m1);
            scale_min_k4(2 * c + 1, b + 4, &sc2, &m2);
            const uint32_t vlo = q & 0x0F0F0F0F, vhi = (q >> 4) & 0x0F0F0F0F;
            const int blo = sb * 8 + 2 * c, bhi = blo + 1;
            const float d = f16_at(b), dmin = f16_at(b + 2);
#pragma unroll
            for (int k = 0; k < NC; ++k) {
                if (k >= ntok) break;
                const int* x = reinterpret_cast<const int*>(xq + (long long)k * cols);
                const float* xdk = xd + (long long)k * (cols / 32);
                const int xl = x[blo * 8 + w], xh = x[bhi * 8 + w];
                const int slo = dot4(vlo, xl, 0), shi = dot4(vhi, xh, 0);
                const int sxl = dot4(ONES, xl, 0), sxh = dot4(ONES, xh, 0);
                acc[k] += xdk[blo] * (d * (float)(sc1 * slo) - dmin * (float)(m1 * sxl))
                        + xdk[bhi] * (d * (float)(sc2 * shi) - dmin * (float)(m2 * sxh));
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// ---------------------------------------------------------------------------------------------------------
// Q5_K   block: f16 d, f16 dmin, u8 scales[12], u8 qh[32], u8 qs[128]  (176 bytes / 256 weights).
// As Q4_K, plus the fifth bit: bit 2c (low nibble) or 2c+1 (high nibble) of qh[l].
struct Q5_K {
    static constexpr int QK = 256, BYTES = 176;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 256) * BYTES;
        const int i = k % 256, c = i / 64, hi = (i % 64) >= 32, l = i % 32;
        int sc, m;
        scale_min_k4(2 * c + hi, b + 4, &sc, &m);
        const int byte = b[48 + 32 * c + l];
        const int q = (hi ? (byte >> 4) : (byte & 0xF)) | (((b[16 + l] >> (2 * c + hi)) & 1) << 4);
        return f16_at(b) * (float)sc * (float)q - f16_at(b + 2) * (float)m;
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nsb = cols / QK, c = lane / 8, w = lane % 8;
#pragma unroll (NC >= 8 ? 1 : 4)
        for (int sb = 0; sb < nsb; ++sb) {
            const uint8_t* b = row + sb * BYTES;
            const uint32_t q = load_u32_a4(b + 48 + 4 * lane);
            const uint32_t h = load_u32_a4(b + 16 + 4 * w);
            int sc1, m1, sc2, m2;
            scale_min_k4(2 * c, b + 4, &sc1, &m1);
            scale_min_k4(2 * c + 1, b + 4, &sc2, &m2);
            const uint32_t vlo = (q & 0x0F0F0F0F) | (((h >> (2 * c)) & ONES) << 4);
            const uint32_t vhi = ((q >> 4) & 0x0F0F0F0F) | (((h >> (2 * c + 1)) & ONES) << 4);
            const int blo = sb * 8 + 2 * c, bhi = blo + 1;
            const float d = f16_at(b), dmin = f16_at(b + 2);
#pragma unroll
            for (int k = 0; k < NC; ++k) {
                if (k >= ntok) break;
                const int* x = reinterpret_cast<const int*>(xq + (long long)k * cols);
                const float* xdk = xd + (long long)k * (cols / 32);
                const int xl = x[blo * 8 + w], xh = x[bhi * 8 + w];
                const int slo = dot4(vlo, xl, 0), shi = dot4(vhi, xh, 0);
                const int sxl = dot4(ONES, xl, 0), sxh = dot4(ONES, xh, 0);
                acc[k] += xdk[blo] * (d * (float)(sc1 * slo) - dmin * (float)(m1 * sxl))
                        + xdk[bhi] * (d * (float)(sc2 * shi) - dmin * (float)(m2 * sxh));
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// ---------------------------------------------------------------------------------------------------------
// Q6_K   block: u8 ql[128], u8 qh[64], s8 scales[16], f16 d  (210 bytes / 256 weights; only 2-byte aligned).
// Half h (128 weights) uses ql[64h..64h+63] and qh[32h..32h+31]. For r = 32k+l inside the half (k = 0..3):
// low bits are the low (k = 0,1) or high (k = 2,3) nibble of ql[64h + 32(k%2) + l], high bits (qh[32h+l] >> 2k) & 3;
// w = d * scales[i/16] * (q - 32).  Warp step: one super-block, lane L reads ql word L.
struct Q6_K {
    static constexpr int QK = 256, BYTES = 210;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 256) * BYTES;
        const int i = k % 256, h = i / 128, r = i % 128, kk = r / 32, l = r % 32;
        const int byte = b[64 * h + 32 * (kk % 2) + l];
        const int lo = kk < 2 ? (byte & 0xF) : (byte >> 4);
        const int q = lo | (((b[128 + 32 * h + l] >> (2 * kk)) & 3) << 4);
        return f16_at(b + 208) * (float)(int8_t)b[192 + i / 16] * (float)(q - 32);
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nsb = cols / QK, h = lane / 16, bb = 4 * (lane % 16), second = bb >= 32, l0 = bb % 32;
        const int ilo = 128 * h + (second ? 32 : 0) + l0, ihi = ilo + 64;   // weight index of the 4 low / high nibbles
        const int shlo = second ? 2 : 0, shhi = second ? 6 : 4;
#pragma unroll (NC >= 8 ? 1 : 4)
        for (int sb = 0; sb < nsb; ++sb) {
            const uint8_t* b = row + sb * BYTES;
            const uint32_t q = load_u32_a2(b + 4 * lane);
            const uint32_t qh = load_u32_a2(b + 128 + 32 * h + l0);
            const uint32_t vlo = (q & 0x0F0F0F0F) | (((qh >> shlo) & 0x03030303) << 4);
            const uint32_t vhi = ((q >> 4) & 0x0F0F0F0F) | (((qh >> shhi) & 0x03030303) << 4);
            const int sclo = (int8_t)b[192 + ilo / 16], schi = (int8_t)b[192 + ihi / 16];
            const float d = f16_at(b + 208);
#pragma unroll
            for (int k = 0; k < NC; ++k) {
                if (k >= ntok) break;
                const int* x = reinterpret_cast<const int*>(xq + (long long)k * cols);
                const float* xdk = xd + (long long)k * (cols / 32);
                const int xl = x[(sb * 256 + ilo) / 4], xh = x[(sb * 256 + ihi) / 4];
                const int slo = dot4(vlo, xl, 0) - 32 * dot4(ONES, xl, 0);
                const int shi = dot4(vhi, xh, 0) - 32 * dot4(ONES, xh, 0);
                acc[k] += d * (xdk[sb * 8 + ilo / 32] * (float)(sclo * slo) + xdk[sb * 8 + ihi / 32] * (float)(schi * shi));
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// ---------------------------------------------------------------------------------------------------------
// Q2_K   block: u8 scales[16], u8 qs[64], f16 d, f16 dmin  (84 bytes / 256 weights).
// Weight i = 128h + 32j + l: q = (qs[32h+l] >> 2j) & 3, sc = scales[i/16]; w = d*(sc & 15)*q - dmin*(sc >> 4).
// Warp step: two super-blocks, 16 lanes each, lane reads qs word (lane % 16) and does the four shifts.
struct Q2_K {
    static constexpr int QK = 256, BYTES = 84;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 256) * BYTES;
        const int i = k % 256, h = i / 128, j = (i % 128) / 32, l = i % 32;
        const int q = (b[16 + 32 * h + l] >> (2 * j)) & 3, sc = b[i / 16];
        return f16_at(b + 80) * (float)(sc & 15) * (float)q - f16_at(b + 82) * (float)(sc >> 4);
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nsb = cols / QK, t = lane % 16, h = t / 8, l0 = 4 * (t % 8);
#pragma unroll (NC >= 8 ? 1 : 2)
        for (int sb = lane / 16; sb < nsb; sb += 2) {
            const uint8_t* b = row + sb * BYTES;
            const uint32_t q = load_u32_a4(b + 16 + 4 * t);
            const float d = f16_at(b + 80), dmin = f16_at(b + 82);
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const int i = 128 * h + 32 * j + l0;
                const uint32_t v = (q >> (2 * j)) & 0x03030303;
                const int sc = b[i / 16];
#pragma unroll
                for (int k = 0; k < NC; ++k) {
                    if (k >= ntok) break;
                    const int* x = reinterpret_cast<const int*>(xq + (long long)k * cols);
                    const int xv = x[(sb * 256 + i) / 4];
                    const int s = dot4(v, xv, 0), sx = dot4(ONES, xv, 0);
                    acc[k] += xd[(long long)k * (cols / 32) + sb * 8 + i / 32] * (d * (float)((sc & 15) * s) - dmin * (float)((sc >> 4) * sx));
                }
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};

// ---------------------------------------------------------------------------------------------------------
// Q3_K   block: u8 hmask[32], u8 qs[64], u8 scales[12], f16 d  (110 bytes / 256 weights; only 2-byte aligned).
// Weight i = 128h + 32j + l: q = ((qs[32h+l] >> 2j) & 3) - (hmask[l] bit (4h+j) ? 0 : 4); w = d * (s6[i/16] - 32) * q,
// s6 the 16 six-bit scales: low 4 bits from scales[i % 8] (low nibble for i < 8, high for i >= 8), high 2 bits
// from scales[8 + i % 4] >> 2(i/4).  Warp step: two super-blocks, 16 lanes each (as Q2_K).
__device__ __forceinline__ int q3k_scale(const uint8_t* s, int i) {
    const int low = i < 8 ? (s[i] & 0xF) : (s[i - 8] >> 4);
    const int high = (s[8 + i % 4] >> (2 * (i / 4))) & 3;
    return (low | (high << 4)) - 32;
}

struct Q3_K {
    static constexpr int QK = 256, BYTES = 110;
    __device__ static float dq(const uint8_t* row, int k) {
        const uint8_t* b = row + (k / 256) * BYTES;
        const int i = k % 256, h = i / 128, j = (i % 128) / 32, l = i % 32;
        const int q = ((b[32 + 32 * h + l] >> (2 * j)) & 3) - (((b[l] >> (4 * h + j)) & 1) ? 0 : 4);
        return f16_at(b + 108) * (float)q3k_scale(b + 96, i / 16) * (float)q;
    }
    template <int NC>
    __device__ static void lane_dots(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int ntok, int lane, float (&acc)[NC]) {
        const int nsb = cols / QK, t = lane % 16, h = t / 8, l0 = 4 * (t % 8);
#pragma unroll (NC >= 8 ? 1 : 2)
        for (int sb = lane / 16; sb < nsb; sb += 2) {
            const uint8_t* b = row + sb * BYTES;
            const uint32_t q = load_u32_a2(b + 32 + 4 * t);
            const uint32_t hm = load_u32_a2(b + l0);
            const float d = f16_at(b + 108);
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const int i = 128 * h + 32 * j + l0;
                const uint32_t v = ((q >> (2 * j)) & 0x03030303) | (((hm >> (4 * h + j)) & ONES) << 2);
                const int sc = q3k_scale(b + 96, i / 16);
#pragma unroll
                for (int k = 0; k < NC; ++k) {
                    if (k >= ntok) break;
                    const int* x = reinterpret_cast<const int*>(xq + (long long)k * cols);
                    const int xv = x[(sb * 256 + i) / 4];
                    const int s = dot4(v, xv, 0) - 4 * dot4(ONES, xv, 0);
                    acc[k] += xd[(long long)k * (cols / 32) + sb * 8 + i / 32] * d * (float)(sc * s);
                }
            }
        }
    }
    __device__ static float lane_dot(const uint8_t* row, int cols, const int8_t* xq, const float* xd, int lane) {
        float acc[1] = {0.0f};
        lane_dots<1>(row, cols, xq, xd, 1, lane, acc);
        return acc[0];
    }
};
