/**
 * The CUDA backend: JCuda's driver API, Kiln's own PTX kernels (committed under {@code /ptx}, built from
 * {@code src/main/cuda} by scripts/build-ptx.sh) and cuBLAS for prefill where it loads.
 * <pre>
 *   CudaBackendProvider --probe--> CudaProbe (natives, cuInit, devices, compute capability >= 7.5; never throws)
 *           |  open
 *   CudaBackend: primary context (CudaContext), one stream, CudaModule x 4 (Ptx), CudaTensor (DeviceBuffer)
 *           |  ops()
 *   CudaOps: matMul -> tokens &lt;= 16: quantize_q8x + mv_T_cN (dp4a, each weight block read once for all tokens)
 *                      else f16_scales + cuBLAS on F16 weight slices (dequant_f16_T) or mmw_T tensor cores / mm_T tiles
 *            rmsnorm, rope (frequency table), kv_store (F16), attn_partial (GQA-shared K/V, splits) + attn_combine, ...
 * </pre>
 * Every driver call goes through {@link dev.kiln.cuda.Driver} and every cuBLAS call through {@code Gemm.Blas}, so the
 * tests drive the failure paths with fakes. Positions and cache cells travel as device arrays ({@code BatchArrays});
 * the scratch sizes come from {@code Workspace}, which feeds core's {@code DeviceBudget} (-ngl auto, the memory line).
 */
package dev.kiln.cuda;
