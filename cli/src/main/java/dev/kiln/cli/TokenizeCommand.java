package dev.kiln.cli;

import dev.kiln.core.tokenizer.Tokenizer;
import dev.kiln.core.tokenizer.Tokenizers;
import dev.kiln.gguf.GgufFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/**
 * {@code kiln tokenize -m FILE [--no-bos] [--special] [--file PATH] [TEXT]}: the token ids of a text with the model's own
 * tokenizer, printed as a JSON array on one line, as llama.cpp's {@code llama-tokenize --ids} prints them.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text as a JSON array (like llama-tokenize --ids).")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "FILE", description = "GGUF model (or vocabulary) file")
    Path model;

    @Option(names = "--no-bos", description = "Do not add BOS/EOS even if the model asks for them.")
    boolean noBos;

    @Option(names = "--special", description = "Recognise special tokens written in the text (<|im_start|>, [INST], ...).")
    boolean special;

    @Option(names = {"-f", "--file"}, paramLabel = "PATH", description = "Read the text from this file (UTF-8, as is).")
    Path file;

    @Parameters(index = "0", arity = "0..1", paramLabel = "TEXT", description = "The text to tokenize")
    String text;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if ((text == null) == (file == null)) {
            throw new UsageException(text == null ? "give the text to tokenize, or --file PATH"
                    : "give either TEXT or --file PATH, not both");
        }
        String input = text != null ? text : readUtf8(file);
        Tokenizer tokenizer;
        try (GgufFile gguf = GgufFile.open(model)) {
            tokenizer = Tokenizers.from(gguf.metadata());
        }
        int[] ids = tokenizer.encode(input, !noBos, special);
        StringJoiner out = new StringJoiner(", ", "[", "]");
        for (int id : ids) {
            out.add(Integer.toString(id));
        }
        PrintWriter w = spec.commandLine().getOut();
        w.println(out);
        w.flush();
        return 0;
    }

    /** The file as text; invalid UTF-8 becomes U+FFFD, as llama.cpp reads invalid input. */
    private static String readUtf8(Path path) throws IOException {
        byte[] bytes = Files.readAllBytes(path);
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE)
                .decode(ByteBuffer.wrap(bytes))
                .toString();
    }
}
