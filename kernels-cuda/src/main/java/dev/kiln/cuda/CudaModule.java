package dev.kiln.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

/**
 * One PTX module loaded into the current context with {@code cuModuleLoadData} (the driver JIT-compiles it for the
 * device), and its kernels looked up once and cached by name. Owned by the backend; closed with it.
 */
public final class CudaModule implements AutoCloseable {
    private final Ptx ptx;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaModule(Ptx ptx) {
        this.ptx = ptx;
        byte[] text = ptx.text().getBytes(StandardCharsets.US_ASCII);
        byte[] terminated = new byte[text.length + 1];   // the driver reads a NUL-terminated image
        System.arraycopy(text, 0, terminated, 0, text.length);
        CudaException.check(cuModuleLoadData(module, terminated), "cuModuleLoadData " + ptx.resource());
    }

    /** Loads {@code ptx} into the current context. */
    public static CudaModule load(Ptx ptx) {
        return new CudaModule(ptx);
    }

    /** The kernel {@code name}; a missing name is a programming error named in the exception. */
    public CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            CudaException.check(cuModuleGetFunction(f, module, name), "cuModuleGetFunction " + name + " in " + ptx.resource());
            functions.put(name, f);
        }
        return f;
    }

    /** A launch of kernel {@code name}. */
    public Launch launch(String name) {
        return new Launch(function(name), name);
    }

    @Override
    public void close() {
        functions.clear();
        cuModuleUnload(module);
    }
}
