package dev.kiln.cuda;

import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One PTX module loaded into the current context with {@code cuModuleLoadData} (the driver JIT-compiles it for the
 * device), and its kernels looked up once and cached by name. Owned by the backend; closed with it.
 */
public final class CudaModule implements AutoCloseable {
    private final Driver driver;
    private final Ptx ptx;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();

    private CudaModule(Driver driver, Ptx ptx) {
        this.driver = driver;
        this.ptx = ptx;
        byte[] text = ptx.text().getBytes(StandardCharsets.US_ASCII);
        byte[] terminated = new byte[text.length + 1];   // the driver reads a NUL-terminated image
        System.arraycopy(text, 0, terminated, 0, text.length);
        CudaException.check(driver.moduleLoadData(module, terminated), "cuModuleLoadData " + ptx.resource());
    }

    /** Loads {@code ptx} into the current context. */
    public static CudaModule load(Ptx ptx) {
        return new CudaModule(Driver.CUDA, ptx);
    }

    static CudaModule load(Driver driver, Ptx ptx) {
        return new CudaModule(driver, ptx);
    }

    /** The kernel {@code name}; a missing name is a programming error named in the exception. */
    public CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            CudaException.check(driver.moduleGetFunction(f, module, name), "cuModuleGetFunction " + name + " in " + ptx.resource());
            functions.put(name, f);
        }
        return f;
    }

    /** A launch of kernel {@code name}. */
    public Launch launch(String name) {
        return new Launch(driver, function(name), name);
    }

    @Override
    public void close() {
        functions.clear();
        driver.moduleUnload(module);
    }
}
