package dev.kiln.core.grammar;

import dev.kiln.testdata.TestData;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SchemaCasesTest {

    @Test
    void realWorldSchemasAreEnforced() throws Exception {
        Path dir = TestData.require("json-schema/cases");
        List<SchemaCases.Case> cases = SchemaCases.run(dir);
        System.out.print(SchemaCases.report(cases));
        if (Boolean.getBoolean("kiln.cases.details")) {
            for (SchemaCases.Case c : cases) {
                if (!c.fullyCorrect()) {
                    System.out.println(c);
                }
            }
        }
        int invalidAccepted = cases.stream().mapToInt(SchemaCases.Case::invalidAccepted).sum();
        assertEquals(0, invalidAccepted, "invalid instances accepted by compiled schemas");
        long correct = cases.stream().filter(SchemaCases.Case::fullyCorrect).count();
        assertTrue(correct >= 0.9 * cases.size(), correct + "/" + cases.size() + " fully correct, goal 90%");
        for (SchemaCases.Row row : SchemaCases.table(cases)) {
            if (row.cases() >= 40) {
                assertTrue(row.fullyCorrect() >= 0.6 * row.cases(), row + ": goal 60% fully correct");
            }
        }
    }
}
