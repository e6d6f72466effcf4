package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void inspectsEveryReferenceFile() throws IOException {
        List<Path> files = TestData.walk(".gguf");
        assertFalse(files.isEmpty());
        for (Path f : files) {
            CliRun text = CliRun.of("inspect", f.toString());
            assertEquals(0, text.status(), f + ": " + text.err());
            assertTrue(text.out().contains("architecture:"), text.out());
            CliRun json = CliRun.of("inspect", "--json", f.toString());
            assertEquals(0, json.status(), f + ": " + json.err());
            JsonNode node = JSON.readTree(json.out());
            assertTrue(node.has("architecture") && node.has("hyperparameters") && node.has("types"), f.toString());
            assertEquals(node.get("tensors").size(), node.get("tensor_count").asInt());
        }
    }

    /** Tensor count and per-type counts agree with the reference tensor lists made by llama.cpp's tools. */
    @Test
    void jsonAgreesWithTheReferenceTensorLists() throws IOException {
        List<Path> lists = TestData.files("synthetic", ".tensors.txt");
        assertFalse(lists.isEmpty());
        for (Path list : lists) {
            Map<String, Integer> expectedTypes = new HashMap<>();
            int expectedCount = 0;
            for (String line : Files.readAllLines(list)) {
                if (!line.startsWith("#") && !line.isBlank()) {
                    expectedTypes.merge(line.split("\t")[1], 1, Integer::sum);
                    expectedCount++;
                }
            }
            Path model = list.resolveSibling(list.getFileName().toString().replace(".tensors.txt", ".gguf"));
            CliRun run = CliRun.of("inspect", "--json", model.toString());
            assertEquals(0, run.status(), run.err());
            JsonNode node = JSON.readTree(run.out());
            assertEquals(expectedCount, node.get("tensor_count").asInt(), model.toString());
            Map<String, Integer> types = new HashMap<>();
            node.get("types").properties().forEach(e -> types.put(e.getKey(), e.getValue().asInt()));
            assertEquals(expectedTypes, types, model.toString());
        }
    }

    @Test
    void aTruncatedFileFailsWithOneLineNamingTheOffset(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(TestData.require("real/stories260K.gguf"));
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(full, 5000));
        CliRun run = CliRun.of("inspect", cut.toString());
        assertEquals(1, run.status());
        assertEquals("", run.out());
        assertEquals(1, run.err().strip().lines().count(), run.err());
        assertTrue(run.err().matches("(?s)kiln inspect: cut\\.gguf: at byte \\d+: .*truncated.*"), run.err());
    }

    @Test
    void aCorruptedFileFailsWithOneLineNamingTheOffset(@TempDir Path dir) throws IOException {
        byte[] bytes = Files.readAllBytes(TestData.require("real/stories260K.gguf"));
        bytes[4] = 9; // version 9
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, bytes);
        CliRun run = CliRun.of("inspect", "--json", bad.toString());
        assertEquals(1, run.status());
        assertEquals("kiln inspect: bad.gguf: at byte 4: expected GGUF version 2 or 3, found 9", run.err().strip());
    }

    @Test
    void aMissingFileAndABadFlagAreOneLineErrors() {
        CliRun missing = CliRun.of("inspect", "/nonexistent/model.gguf");
        assertEquals(1, missing.status());
        assertEquals("kiln inspect: no such file: /nonexistent/model.gguf", missing.err().strip());
        CliRun flag = CliRun.of("inspect", "--jsn", "x.gguf");
        assertEquals(2, flag.status());
        assertTrue(flag.err().startsWith("kiln: Unknown option: '--jsn'"), flag.err());
    }

    @Test
    void aDirectoryGetsAOneLineError(@org.junit.jupiter.api.io.TempDir Path dir) {
        CliRun run = CliRun.of("inspect", dir.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().strip().endsWith("is a directory, not a GGUF file"), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }
}
