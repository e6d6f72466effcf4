package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The demo model as the installed jar uses it: copied out of the jar once, checked, replaced when damaged. */
class DemoModelTest {

    private static final URL RESOURCE = DemoModel.class.getResource("demo/stories260K.gguf");

    @Test
    void theJarCarriesTheModelAndItsNotice() throws IOException {
        assertNotNull(RESOURCE, "demo/stories260K.gguf is not on the class path");
        try (var in = RESOURCE.openStream()) {
            assertEquals(1_185_376, in.readAllBytes().length);
        }
        assertNotNull(DemoModel.class.getResource("demo/stories260K.NOTICE"));
    }

    @Test
    void extractsOnceAndReplacesADamagedCopy(@TempDir Path dir) throws IOException {
        Path copy = DemoModel.extractTo(dir, RESOURCE);
        byte[] original;
        try (var in = RESOURCE.openStream()) {
            original = in.readAllBytes();
        }
        assertArrayEquals(original, Files.readAllBytes(copy));
        long modified = Files.getLastModifiedTime(copy).toMillis();
        assertEquals(copy, DemoModel.extractTo(dir, RESOURCE));
        assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "an intact copy is reused");

        byte[] damaged = original.clone();
        damaged[100_000] ^= 1;
        Files.write(copy, damaged);
        assertEquals(copy, DemoModel.extractTo(dir, RESOURCE));
        assertArrayEquals(original, Files.readAllBytes(copy), "a damaged copy is replaced");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no partial files left behind");
        }
    }

    @Test
    void anUnwritableCacheIsAnIoError(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
        assertThrows(IOException.class, () -> DemoModel.extractTo(file.resolve("kiln"), RESOURCE));
        assertTrue(Arrays.equals(Files.readAllBytes(file), "x".getBytes()));
    }
}
