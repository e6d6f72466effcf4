/**
 * The {@code kiln} command line (picocli): one class per subcommand, llama.cpp's flag names.
 * {@link dev.kiln.cli.Main} is the only place that calls {@code System.exit}.
 */
package dev.kiln.cli;
