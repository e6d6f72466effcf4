/**
 * The backend SPI: what a compute device (the CPU in {@code kernels-cpu}, CUDA in {@code kernels-cuda}) implements
 * so that {@link dev.kiln.core.graph.Forward} can run a decoder block on it. Providers are found with
 * {@link java.util.ServiceLoader}; {@code core} never names an implementation.
 *
 * <pre>
 * BackendProvider --probe()--> Availability
 *        |--open(BackendConfig)--> Backend --upload/allocate--> DeviceTensor
 *                                     \--ops()--> Ops (embed, rmsNorm, matMul, rope, storeKv, attention, swiGlu, add ...)
 * </pre>
 */
package dev.kiln.core.spi;
