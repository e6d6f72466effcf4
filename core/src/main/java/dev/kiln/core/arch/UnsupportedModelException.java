package dev.kiln.core.arch;

import java.util.List;

/**
 * A well-formed GGUF file that Kiln cannot run: an unknown architecture, missing or misshapen tensors, invalid
 * hyperparameters, an unsupported tensor type. The message lists every problem found, each naming the subject,
 * what was expected and what was found.
 */
public class UnsupportedModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public UnsupportedModelException(String message) {
        super(message);
        this.problems = List.of(message);
    }

    public UnsupportedModelException(String subject, List<String> problems) {
        super(subject + ": " + (problems.size() == 1 ? problems.getFirst()
                : problems.size() + " problems: " + String.join("; ", problems)));
        this.problems = List.copyOf(problems);
    }

    /** Each problem on its own. */
    public List<String> problems() {
        return problems;
    }
}
