package dev.kiln.core.spi;

import dev.kiln.core.arch.HyperParams;
import dev.kiln.gguf.GgufFile;
import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.*;

/** Checks the folded YaRN frequencies against the equations and numbers in testdata/synthetic/README.md. */
class RopeTest {

    private static Rope rope(String file) throws IOException {
        try (GgufFile gguf = GgufFile.open(TestData.require(file))) {
            return Rope.of(HyperParams.read(gguf));
        }
    }

    @Test
    void mistral3YarnKeepsPairs0To3BlendsTo6AndDividesTheRest() throws IOException {
        Rope r = rope("synthetic/mistral3-small.Q4_K_M.gguf");
        assertEquals(32, r.dimensions());
        assertEquals(1f, r.magnitude(), 1e-6);
        double[] ramp = {1, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        for (int i = 0; i < 16; i++) {
            double extrap = Math.pow(1e8, -2.0 * i / 32);
            double expected = extrap * ((1 - ramp[i]) / 48 + ramp[i]);
            assertEquals(expected, r.frequency(i), expected * 1e-9, "pair " + i);
        }
    }

    @Test
    void qwen3YarnMagnitudeIgnoresYarnAttnFactor() throws IOException {
        Rope r = rope("synthetic/qwen3-yarn-small.Q4_K_M.gguf");
        assertEquals(1 + 0.1 * Math.log(4), r.magnitude(), 1e-6);
        // low 11, high 20: pair 11 kept, pair 20 divided by the factor, pair 15 blended with r = 5/9
        assertEquals(Math.pow(1e6, -22.0 / 64), r.frequency(11), 1e-15);
        assertEquals(Math.pow(1e6, -40.0 / 64) / 4, r.frequency(20), 1e-15);
        double rr = 1 - 4.0 / 9;
        assertEquals(Math.pow(1e6, -30.0 / 64) * ((1 - rr) / 4 + rr), r.frequency(15), 1e-15);
    }

    @Test
    void plainRopeHasBaseFrequencies() throws IOException {
        Rope r = rope("synthetic/llama-small.Q4_K_M.gguf");
        assertEquals(1f, r.magnitude());
        for (int i = 0; i < 16; i++) {
            assertEquals(Math.pow(1e6, -2.0 * i / 32), r.frequency(i), 1e-15);
        }
    }

    @Test
    void attentionTemperatureChangesAt8192() {
        Attention a = new Attention(8, 2, 32, 32, 1f, 0.1f, 8192);
        assertEquals(1f, a.temperature(8191));
        assertEquals(1 + 0.1 * Math.log(2), a.temperature(8192), 1e-6);
        assertEquals(1 + 0.1 * Math.log(3), a.temperature(16384), 1e-6);
        assertEquals(1f, new Attention(8, 2, 32, 32, 1f, 0f, 0).temperature(100000));
    }
}
