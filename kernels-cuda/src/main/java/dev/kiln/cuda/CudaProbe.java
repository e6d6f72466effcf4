package dev.kiln.cuda;

import jcuda.driver.CUdevice;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Whether CUDA can run here, found once per JVM: the JCuda natives load (they need the driver's libcuda.so.1),
 * {@code cuInit} succeeds and at least one device exists. Never throws; a failure becomes a one-line reason.
 *
 * @param available   true when a device can be used
 * @param description device 0's name and the driver version, or why CUDA is unavailable
 * @param devices     number of CUDA devices
 */
public record CudaProbe(boolean available, String description, int devices) {
    private static CudaProbe result;

    /** The cached probe. */
    public static synchronized CudaProbe get() {
        if (result == null) {
            result = run();
        }
        return result;
    }

    private static CudaProbe run() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new CudaProbe(false, "cuInit failed: " + CUresult.stringFor(r), 0);
            }
            int[] count = {0};
            r = JCudaDriver.cuDeviceGetCount(count);
            if (r != CUresult.CUDA_SUCCESS || count[0] == 0) {
                return new CudaProbe(false, r != CUresult.CUDA_SUCCESS ? "cuDeviceGetCount failed: " + CUresult.stringFor(r)
                        : "no CUDA device", 0);
            }
            CUdevice device = new CUdevice();
            JCudaDriver.cuDeviceGet(device, 0);
            byte[] name = new byte[256];
            JCudaDriver.cuDeviceGetName(name, name.length, device);
            int[] driver = {0};
            JCudaDriver.cuDriverGetVersion(driver);
            String deviceName = new String(name, java.nio.charset.StandardCharsets.US_ASCII).trim().replace("\0", "");
            return new CudaProbe(true, deviceName + ", driver CUDA " + driver[0] / 1000 + "." + driver[0] % 1000 / 10, count[0]);
        } catch (LinkageError e) {
            return new CudaProbe(false, nativeFailure(e), 0);
        } catch (RuntimeException e) {
            return new CudaProbe(false, "JCuda failed: " + firstLine(e.getMessage()), 0);
        }
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
