package dev.kiln.testdata;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the shared reference data ({@code ../shared/testdata} next to the repository, or the directory in
 * the {@code kiln.testdata} system property / {@code KILN_TESTDATA} environment variable). A test that needs
 * a file calls {@link #require(String)}: when the data is absent the test is skipped with a message saying
 * which file was looked for and where, never failed and never silently passed.
 */
public final class TestData {
    private TestData() {}

    /** The test-data root, or null if none is found. */
    public static Path rootOrNull() {
        for (String candidate : new String[] {System.getProperty("kiln.testdata"), System.getenv("KILN_TESTDATA")}) {
            if (candidate != null && Files.isDirectory(Path.of(candidate))) {
                return Path.of(candidate).toAbsolutePath().normalize();
            }
        }
        // Fall back to walking up from the working directory (a module directory under Maven).
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("../shared/testdata");
            if (Files.isDirectory(p)) {
                return p.normalize();
            }
        }
        return null;
    }

    /** The path of {@code relative} under the test-data root; skips the calling test if it is absent. */
    public static Path require(String relative) {
        Path root = rootOrNull();
        Assumptions.assumeTrue(root != null,
                "reference data not found: set -Dkiln.testdata or put it at ../shared/testdata (looking for " + relative + ")");
        Path p = root.resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "reference file absent: " + p);
        return p;
    }

    /** Reads a little-endian float32 file. */
    public static float[] readFloats(Path path) {
        try {
            ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[bytes.remaining() / 4];
            bytes.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
