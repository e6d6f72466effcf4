package dev.kiln.cli;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class LogitsCommandTest {
    /** The 16-token prompt of testdata/synthetic (README, "Reference outputs"). */
    static final String PROMPT = "1,1650,3214,4792,6384,7990,9610,11244,12892,14554,16230,17920,19624,21342,23074,24820";

    @Test
    void logitsMatchLlamaCppReferenceThroughTheCli(@TempDir Path dir) {
        Path model = TestData.require("synthetic/llama-small.Q8_0.gguf");
        Path out = dir.resolve("out.f32");
        CliRun run = CliRun.of("logits", "-m", model.toString(), "--tokens", PROMPT, "-o", out.toString(), "-t", "2", "-ctk", "f32");
        assertEquals(0, run.status(), run.err());
        float[] ours = TestData.readFloats(out);
        float[] ref = TestData.readFloats(TestData.require("synthetic/llama-small.Q8_0.logits.f32"));
        assertEquals(ref.length, ours.length);
        float max = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ours[i] - ref[i]));
        }
        assertTrue(max <= 0.06f, "max abs diff vs llama.cpp " + max);
    }

    @Test
    void invalidValuesGetOneLineNamingTheFlag(@TempDir Path dir) {
        Path model = TestData.require("synthetic/llama-small.Q8_0.gguf");
        String out = dir.resolve("o.f32").toString();
        CliRun badId = CliRun.of("logits", "-m", model.toString(), "--tokens", "1,32000", "-o", out);
        assertEquals(2, badId.status());
        assertTrue(badId.err().contains("--tokens") && badId.err().strip().lines().count() == 1, badId.err());
        CliRun badCache = CliRun.of("logits", "-m", model.toString(), "--tokens", "1", "-o", out, "-ctk", "q4_0");
        assertEquals(2, badCache.status());
        assertTrue(badCache.err().contains("cache-type-k"), badCache.err());
        CliRun badNgl = CliRun.of("logits", "-m", model.toString(), "--tokens", "1", "-o", out, "-ngl", "x");
        assertEquals(2, badNgl.status());
        assertTrue(badNgl.err().contains("gpu-layers"), badNgl.err());
        CliRun badThreads = CliRun.of("logits", "-m", model.toString(), "--tokens", "1", "-o", out, "-t", "0");
        assertEquals(2, badThreads.status());
        assertTrue(badThreads.err().contains("--threads"), badThreads.err());
    }
}
