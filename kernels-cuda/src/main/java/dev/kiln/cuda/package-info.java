/**
 * The CUDA backend: JCuda's driver API, Kiln's own PTX kernels (committed under {@code /ptx}, built from
 * {@code src/main/cuda} by scripts/build-ptx.sh) and cuBLAS for prefill where it loads.
 * <pre>
 *   CudaBackendProvider --probe--> CudaProbe (natives, cuInit, devices; never throws)
 *           |  open
 *   CudaBackend: primary context, one stream, CudaModule x 4 (Ptx), CudaTensor (DeviceBuffer)
 *           |  ops()
 *   CudaOps: matMul -> tokens &lt;= 8: quantize_q8x + mv_T (dp4a) | else cuBLAS (dequant_f16_T) or mm_T tiles
 *            rmsnorm, rope (frequency table), kv_store (F16), attn_partial + attn_combine (flash-decoding), ...
 * </pre>
 * Positions and cache cells travel as device arrays ({@code BatchArrays}); {@code -ngl auto} sizes come from
 * {@code DeviceFit} and {@code Workspace}.
 */
package dev.kiln.cuda;
