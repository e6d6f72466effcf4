package dev.kiln.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The demo model that {@code kiln run} and {@code kiln serve} use when no {@code -m} is given: stories260K, the
 * 260K-parameter TinyStories model of llama2.c (MIT, see {@code stories260K.NOTICE} next to it), carried in this jar.
 * Loading memory-maps a file, so the resource is copied once to {@code $XDG_CACHE_HOME/kiln} (else
 * {@code ~/.cache/kiln}, else the temporary directory) and checked against its sha256 before each use.
 */
final class DemoModel {

    static final String NAME = "stories260K";
    private static final String RESOURCE = "demo/stories260K.gguf";
    private static final long SIZE = 1_185_376;
    private static final String SHA256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

    private DemoModel() {
    }

    /** The one stderr line that says the demo model runs, and how to run a real one. */
    static String notice(String command) {
        return "kiln " + command + ": no -m given, using the built-in demo model " + NAME
                + " (260K parameters, tiny stories only; llama2.c, MIT). For a real model: kiln " + command
                + " -m MODEL.gguf (README: \"Getting real models\")";
    }

    /** The demo model as a file on disk. */
    static Path file() throws IOException {
        URL url = DemoModel.class.getResource(RESOURCE);
        if (url == null) {
            throw new IOException("the demo model " + RESOURCE + " is missing from the kiln jar (a build without it?);"
                    + " give a model with -m");
        }
        if (url.getProtocol().equals("file")) {
            try {
                return Path.of(url.toURI()); // classes directory (a build tree): no copy needed
            } catch (URISyntaxException e) {
                throw new IOException("demo model location " + url + ": " + e.getMessage(), e);
            }
        }
        IOException first = null;
        for (Path dir : cacheDirectories()) {
            try {
                return extractTo(dir, url);
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        throw new IOException("cannot write the demo model to a cache directory: " + first.getMessage(), first);
    }

    private static Path[] cacheDirectories() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path home = Path.of(System.getProperty("user.home"));
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home.resolve(".cache");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"), "kiln-" + System.getProperty("user.name", "user"));
        return new Path[] {cache.resolve("kiln"), tmp};
    }

    /** Copies the resource to {@code dir} unless an intact copy is there; the copy appears whole or not at all. */
    static Path extractTo(Path dir, URL url) throws IOException {
        Path target = dir.resolve(NAME + "-" + SHA256.substring(0, 8) + ".gguf");
        if (Files.isRegularFile(target) && Files.size(target) == SIZE && SHA256.equals(sha256(target))) {
            return target;
        }
        Files.createDirectories(dir);
        Path partial = Files.createTempFile(dir, NAME + "-", ".part");
        try {
            try (InputStream in = url.openStream()) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            String actual = sha256(partial);
            if (!SHA256.equals(actual)) {
                throw new IOException("the demo model in the jar is damaged: sha256 " + actual + ", expected " + SHA256);
            }
            try {
                Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
