/** The CUDA backend: JCuda driver API, cuBLAS and Kiln's own PTX kernels. */
package dev.kiln.cuda;
