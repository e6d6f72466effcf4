package dev.kiln.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUresult;

import java.nio.charset.StandardCharsets;

/**
 * Whether CUDA can run here, found once per JVM: the JCuda natives load (they need the driver's libcuda.so.1),
 * {@code cuInit} succeeds, at least one device exists and device 0 has compute capability 7.5 or newer (the PTX
 * targets sm_75: an older GPU's driver refuses the modules, so such a GPU counts as unusable and {@code -ngl} falls
 * back to the CPU). Never throws; a failure becomes a one-line reason.
 *
 * @param available   true when a device can be used
 * @param description device 0's name, compute capability and the driver version, or why CUDA is unavailable
 * @param devices     number of CUDA devices
 */
public record CudaProbe(boolean available, String description, int devices) {
    /** The oldest compute capability the PTX runs on (sm_75, Turing), as major * 10 + minor. */
    static final int MIN_COMPUTE_CAPABILITY = 75;

    private static CudaProbe result;

    /** The cached probe. */
    public static synchronized CudaProbe get() {
        if (result == null) {
            result = run(Driver.CUDA);
        }
        return result;
    }

    static CudaProbe run(Driver driver) {
        try {
            int r = driver.init(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new CudaProbe(false, "cuInit failed: " + CUresult.stringFor(r), 0);
            }
            int[] count = {0};
            r = driver.deviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS || count[0] == 0) {
                return new CudaProbe(false, r != CUresult.CUDA_SUCCESS ? "cuDeviceGetCount failed: " + CUresult.stringFor(r)
                        : "no CUDA device", 0);
            }
            CUdevice device = new CUdevice();
            r = driver.deviceGet(device, 0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new CudaProbe(false, "cuDeviceGet 0 failed: " + CUresult.stringFor(r), 0);
            }
            String name = deviceName(driver, device);
            int cc = computeCapability(driver, device);
            if (cc < 0) {
                return new CudaProbe(false, name + ": compute capability unknown", 0);
            }
            if (cc < MIN_COMPUTE_CAPABILITY) {
                return new CudaProbe(false, name + ": " + tooOld(cc), 0);
            }
            int[] version = {0};
            driver.driverGetVersion(version);
            return new CudaProbe(true, name + " (compute capability " + cc / 10 + "." + cc % 10 + "), driver CUDA "
                    + version[0] / 1000 + "." + version[0] % 1000 / 10, count[0]);
        } catch (LinkageError e) {
            return new CudaProbe(false, nativeFailure(e), 0);
        } catch (RuntimeException e) {
            return new CudaProbe(false, "JCuda failed: " + firstLine(e.getMessage()), 0);
        }
    }

    /** "compute capability 6.1 < 7.5 (Kiln's kernels need sm_75, Turing, or newer)". */
    static String tooOld(int cc) {
        return "compute capability " + cc / 10 + "." + cc % 10 + " < " + MIN_COMPUTE_CAPABILITY / 10 + "."
                + MIN_COMPUTE_CAPABILITY % 10 + " (Kiln's kernels need sm_75, Turing, or newer)";
    }

    static String deviceName(Driver driver, CUdevice device) {
        byte[] name = new byte[256];
        if (driver.deviceGetName(name, name.length, device) != CUresult.CUDA_SUCCESS) {
            return "CUDA device";
        }
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new String(name, 0, end, StandardCharsets.US_ASCII).trim();
    }

    /** major * 10 + minor, or -1 when the driver does not say. */
    static int computeCapability(Driver driver, CUdevice device) {
        int[] major = {0}, minor = {0};
        if (driver.deviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device) != CUresult.CUDA_SUCCESS
                || driver.deviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device) != CUresult.CUDA_SUCCESS) {
            return -1;
        }
        return major[0] * 10 + minor[0];
    }

    /** The useful line of JCuda's multi-line native-library error, e.g. "libcuda.so.1: cannot open shared object file". */
    static String nativeFailure(LinkageError e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        for (String line : message.split("\n")) {
            int at = line.indexOf("cannot open shared object file");
            if (at >= 0) {
                String lib = line.substring(0, at).trim().replaceAll(".*[ /]", "").replace(":", "");
                return "no CUDA driver: " + lib + " not found";
            }
        }
        return "JCuda natives did not load: " + firstLine(message);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
