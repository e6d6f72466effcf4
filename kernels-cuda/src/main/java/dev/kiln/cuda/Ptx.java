package dev.kiln.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The committed PTX modules (classpath {@code /ptx/<name>.ptx}, built from {@code src/main/cuda/<name>.cu} by
 * scripts/build-ptx.sh). The normal build needs neither nvcc nor a GPU: the driver JIT-compiles the PTX for the
 * device at load.
 */
public enum Ptx {
    /** Decode mat-vec: q8x activations, dp4a per quant type, fused QKV and gate/up variants. */
    MATVEC("matvec"),
    /** Prefill tiles, F16 dequantization for cuBLAS, embedding rows. */
    MATMUL("matmul"),
    /** RMSNorm, RoPE, SwiGLU, add, bias, conversions, KV store. */
    OPS("ops"),
    /** Split (flash-decoding) attention and its combine step. */
    ATTENTION("attention");

    private static final Pattern ENTRY = Pattern.compile("^\\.visible \\.entry (\\w+)\\(", Pattern.MULTILINE);
    private static final Pattern VERSION = Pattern.compile("^\\.version (\\d+)\\.(\\d+)$", Pattern.MULTILINE);

    private final String fileName;

    Ptx(String fileName) {
        this.fileName = fileName;
    }

    public String fileName() {
        return fileName;
    }

    public String resource() {
        return "/ptx/" + fileName + ".ptx";
    }

    /** The PTX text. */
    public String text() {
        try (InputStream in = Ptx.class.getResourceAsStream(resource())) {
            if (in == null) {
                throw new IllegalStateException("PTX resource missing from the classpath: " + resource());
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource(), e);
        }
    }

    /** Names of the kernels (.entry) the module defines. */
    public Set<String> entries() {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = ENTRY.matcher(text());
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The PTX ISA version of the header as {major, minor}. */
    public int[] isaVersion() {
        Matcher m = VERSION.matcher(text());
        if (!m.find()) {
            throw new IllegalStateException(resource() + ": no .version line");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }
}
