package dev.kiln.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line the user sees: the message, without Java class names where they add nothing. */
final class Failures {
    private Failures() {}

    static String describe(Throwable e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            case FileNotFoundException f -> f.getMessage();
            case java.nio.file.FileSystemException fs when fs.getReason() != null -> fs.getFile() + ": " + fs.getReason();
            case IOException io -> "I/O error: " + message(io);
            case OutOfMemoryError oom -> "out of memory (" + oom.getMessage() + "); try a smaller --ctx-size or model";
            default -> message(e);
        };
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m.replace('\n', ' ');
    }
}
