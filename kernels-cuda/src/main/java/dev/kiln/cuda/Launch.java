package dev.kiln.cuda;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A kernel launch: grid, block, dynamic shared memory and the parameters in declaration order. Hides JCuda's
 * pointer-to-pointer idiom ({@code Pointer.to(Pointer.to(ptr), Pointer.to(new int[]{n}))}). A failed launch throws
 * {@link CudaException} naming the kernel and its dimensions; a grid past CUDA's limits (y and z at most
 * {@link #MAX_GRID_YZ}) is refused before the driver sees it.
 */
public final class Launch {
    /** CUDA's limit on gridDim.y and gridDim.z (gridDim.x may reach 2^31 - 1). */
    public static final int MAX_GRID_YZ = 65535;

    private final Driver driver;
    private final CUfunction function;
    private final String name;
    private final List<NativePointerObject> params = new ArrayList<>();
    private final List<Object> values = new ArrayList<>();   // parameter values, for StepGraphs' identity of a launch
    private final List<CUdeviceptr> pointers = new ArrayList<>();   // the device pointer parameters
    private final int[] grid = {1, 1, 1};
    private final int[] block = {1, 1, 1};
    private int sharedBytes;

    Launch(CUfunction function, String name) {
        this(Driver.CUDA, function, name);
    }

    Launch(Driver driver, CUfunction function, String name) {
        this.driver = driver;
        this.function = function;
        this.name = name;
    }

    public Launch grid(int x, int y, int z) {
        grid[0] = x;
        grid[1] = y;
        grid[2] = z;
        return this;
    }

    public Launch grid(int x) {
        return grid(x, 1, 1);
    }

    public Launch block(int x) {
        block[0] = x;
        return this;
    }

    public Launch shared(int bytes) {
        sharedBytes = bytes;
        return this;
    }

    /** A device pointer parameter (a null-pointer parameter when {@code ptr} is null). */
    public Launch arg(CUdeviceptr ptr) {
        CUdeviceptr p = ptr == null ? new CUdeviceptr() : ptr;
        params.add(Pointer.to(p));
        pointers.add(p);
        values.add(p.toString());   // JCuda's equals ignores the byte offset; its toString has address and offset
        return this;
    }

    public Launch arg(DeviceBuffer buffer) {
        return arg(buffer == null ? null : buffer.pointer());
    }

    public Launch arg(int value) {
        params.add(Pointer.to(new int[] {value}));
        values.add(value);
        return this;
    }

    public Launch arg(long value) {
        params.add(Pointer.to(new long[] {value}));
        values.add(value);
        return this;
    }

    public Launch arg(float value) {
        params.add(Pointer.to(new float[] {value}));
        values.add(value);
        return this;
    }

    /** Queues the launch on {@code stream}. */
    public void run(CUstream stream) {
        if (grid[0] <= 0 || grid[1] <= 0 || grid[2] <= 0) {
            return;   // nothing to do (e.g. zero rows)
        }
        if (grid[1] > MAX_GRID_YZ || grid[2] > MAX_GRID_YZ) {
            throw new IllegalArgumentException(describe() + ": grid y and z are limited to " + MAX_GRID_YZ);
        }
        CudaException.check(driver.launchKernel(this, stream), describe());
    }

    String name() {
        return name;
    }

    CUfunction function() {
        return function;
    }

    int[] gridDims() {
        return grid.clone();
    }

    int[] blockDims() {
        return block.clone();
    }

    int sharedBytes() {
        return sharedBytes;
    }

    /** The kernel parameters as cuLaunchKernel takes them: a pointer to the array of pointers to each value. */
    Pointer parameters() {
        return Pointer.to(params.toArray(NativePointerObject[]::new));
    }

    /** The device pointer parameters in declaration order. */
    List<CUdeviceptr> pointerArgs() {
        return List.copyOf(pointers);
    }

    /** The parameter values in declaration order (device pointers as JCuda prints them, with address and offset). */
    List<Object> values() {
        return List.copyOf(values);
    }

    /** What identifies this launch: kernel, dimensions, shared memory and parameter values. */
    List<Object> key() {
        List<Object> k = new ArrayList<>(values.size() + 8);
        k.add(name);
        for (int i = 0; i < 3; i++) {
            k.add(grid[i]);
            k.add(block[i]);
        }
        k.add(sharedBytes);
        k.addAll(values);
        return k;
    }

    /** "cuLaunchKernel mv_Q4_K grid [1024,1,1] block [128,1,1]". */
    public String describe() {
        return "cuLaunchKernel " + name + " grid " + Arrays.toString(grid).replace(" ", "") + " block "
                + Arrays.toString(block).replace(" ", "");
    }
}
