package dev.kiln.testdata;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Locates the reference data of the tests, in two places with the same layout ({@code real/}, {@code vocab/},
 * {@code synthetic/}, ...; byte-for-byte copies, so a file is the same wherever it is found):
 * <ol>
 *   <li>the repository's own {@code testdata/} folder (the fixtures the fast tests need, see
 *       {@code testdata/README.md}), found by walking up from the working directory, or named by the
 *       {@code kiln.testdata.repo} system property;</li>
 *   <li>the large or optional data beside the repository: {@code ../shared/testdata}, or the directory named by the
 *       {@code kiln.testdata} system property / {@code KILN_TESTDATA} environment variable.</li>
 * </ol>
 * A test that needs a file calls {@link #require(String)}: when neither place has it the test is skipped with a
 * message saying which file was looked for and where, never failed and never silently passed. Tests that go over a
 * folder use {@link #files} or {@link #walk}, which see the files of both places.
 */
public final class TestData {
    private TestData() {}

    /** The repository's {@code testdata/} folder, or null if none is found. */
    public static Path repoRootOrNull() {
        String property = System.getProperty("kiln.testdata.repo");
        if (property != null && Files.isDirectory(Path.of(property))) {
            return Path.of(property).toAbsolutePath().normalize();
        }
        // Walk up from the working directory (a module directory under Maven) to the repository root.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("testdata");
            if (Files.isRegularFile(p.resolve("README.md")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return p.normalize();
            }
        }
        return null;
    }

    /** The shared data beside the repository ({@code ../shared/testdata}), or null if none is found. */
    public static Path sharedRootOrNull() {
        for (String candidate : new String[] {System.getProperty("kiln.testdata"), System.getenv("KILN_TESTDATA")}) {
            if (candidate != null && Files.isDirectory(Path.of(candidate))) {
                return Path.of(candidate).toAbsolutePath().normalize();
            }
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("../shared/testdata");
            if (Files.isDirectory(p)) {
                return p.normalize();
            }
        }
        return null;
    }

    /** The roots that exist, the repository's first. */
    public static List<Path> roots() {
        List<Path> roots = new ArrayList<>(2);
        for (Path root : new Path[] {repoRootOrNull(), sharedRootOrNull()}) {
            if (root != null && !roots.contains(root)) {
                roots.add(root);
            }
        }
        return roots;
    }

    /**
     * The path of {@code relative} (a file or a folder) in the first root that has it; skips the calling test if
     * none has. For a folder that is the repository's copy, which may hold only part of the shared one: use
     * {@link #files} to see every file.
     */
    public static Path require(String relative) {
        List<Path> roots = roots();
        Assumptions.assumeFalse(roots.isEmpty(), "reference data not found: no testdata/ in the repository and no "
                + "../shared/testdata (or -Dkiln.testdata) beside it (looking for " + relative + ")");
        for (Path root : roots) {
            Path p = root.resolve(relative).normalize();
            if (Files.exists(p)) {
                return p;
            }
        }
        Assumptions.abort("reference file absent: " + relative + " (looked in " + roots + "; the large data lives in"
                + " ../shared/testdata, see testdata/README.md)");
        throw new AssertionError("unreachable");
    }

    /**
     * The files directly in folder {@code relative} whose names end with {@code suffix}, from every root (a name found
     * in several roots once, the repository's copy), sorted by name; skips the calling test if no root has the folder.
     */
    public static List<Path> files(String relative, String suffix) {
        Map<String, Path> byName = new LinkedHashMap<>();
        boolean found = false;
        for (Path root : roots()) {
            Path dir = root.resolve(relative).normalize();
            if (!Files.isDirectory(dir)) {
                continue;
            }
            found = true;
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(suffix))
                        .forEach(p -> byName.putIfAbsent(p.getFileName().toString(), p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        Assumptions.assumeTrue(found, "reference folder absent: " + relative + " (looked in " + roots() + ")");
        return byName.values().stream().sorted().toList();
    }

    /**
     * Every file under every root whose name ends with {@code suffix}, at any depth (a relative path found in several
     * roots once, the repository's copy), sorted; skips the calling test if there is no root.
     */
    public static List<Path> walk(String suffix) {
        List<Path> roots = roots();
        Assumptions.assumeFalse(roots.isEmpty(), "reference data not found: no testdata/ in the repository and no "
                + "../shared/testdata beside it (looking for *" + suffix + ")");
        Map<Path, Path> byRelative = new LinkedHashMap<>();
        for (Path root : roots) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(suffix))
                        .forEach(p -> byRelative.putIfAbsent(root.relativize(p), p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return byRelative.values().stream().sorted().toList();
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
