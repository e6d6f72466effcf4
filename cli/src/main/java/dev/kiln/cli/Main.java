package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * Entry point of the {@code kiln} command: dispatches to the subcommands and turns every failure into a
 * one-line message on stderr and a non-zero exit status (2 for a usage error, 1 for anything else).
 */
@Command(name = "kiln",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Runs GGUF language models locally on the CPU and on NVIDIA GPUs.",
        subcommands = {
                InspectCommand.class,
                RunCommand.class,
                TokenizeCommand.class,
                TemplateCommand.class,
                SynthCommand.class,
                BenchCommand.class,
                LogitsCommand.class,
                ServeCommand.class,
                GrammarCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Main implements Runnable {

    /** Exit status for an invalid command line. */
    static final int USAGE_ERROR = 2;
    /** Exit status for a command that failed (bad file, unsupported model, I/O error). */
    static final int FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter err = new PrintWriter(System.err, true);
        int status;
        try {
            status = execute(args, new PrintWriter(System.out, true), err);
        } catch (OutOfMemoryError e) {
            // picocli's handler sees exceptions only; an Error would otherwise end in a stack trace
            err.println("kiln: " + Failures.describe(e));
            status = FAILURE;
        }
        System.exit(status);
    }

    /** Runs the command line and returns the exit status (used by tests, which must not exit the JVM). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("kiln: " + e.getMessage() + " (see: kiln " + commandPath(e.getCommandLine()) + "--help)");
            return USAGE_ERROR;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("kiln " + commandLine.getCommandName() + ": " + Failures.describe(e));
            if (Boolean.getBoolean("kiln.debug")) {
                e.printStackTrace(err);
            }
            return e instanceof UsageException ? USAGE_ERROR : FAILURE;
        });
        return cli.execute(args);
    }

    private static String commandPath(CommandLine commandLine) {
        StringBuilder path = new StringBuilder();
        for (CommandLine c = commandLine; c != null && c.getParent() != null; c = c.getParent()) {
            path.insert(0, c.getCommandName() + " ");
        }
        return path.toString();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kiln " + (v == null ? "(development build)" : v)
                    + ", Java " + Runtime.version()};
        }
    }
}
