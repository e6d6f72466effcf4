package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * {@code kiln bench} output in llama-bench's three formats: a markdown table (model, size, params, backend, ngl,
 * threads, n_batch, test, t/s as mean ± stddev), JSON (an array of objects with llama-bench's field names) and CSV
 * (the same fields, one line per row).
 */
final class BenchReport {

    /** The model columns, the same for every row of one file. */
    record ModelInfo(String fileName, String type, long sizeBytes, long parameters) {
    }

    /** One table row: one test under one combination of flags. */
    record Row(ModelInfo model, String backend, int threads, int gpuLayers, int batchSize,
               BenchRunner.Samples samples) {
    }

    enum Format { MD, JSON, CSV }

    private BenchReport() {
    }

    static void header(Format format, PrintWriter out) {
        switch (format) {
            case MD -> {
                out.printf("| %-30s | %10s | %10s | %-7s | %4s | %7s | %7s | %10s | %20s |%n", "model", "size",
                        "params", "backend", "ngl", "threads", "n_batch", "test", "t/s");
                out.printf("| %s | %s: | %s: | %s | %s: | %s: | %s: | %s: | %s: |%n", "-".repeat(30),
                        "-".repeat(9), "-".repeat(9), "-".repeat(7), "-".repeat(3), "-".repeat(6), "-".repeat(6),
                        "-".repeat(9), "-".repeat(19));
            }
            case CSV -> out.println(String.join(",", CSV_FIELDS));
            case JSON -> out.println("[");
        }
        out.flush();
    }

    /** Writes one row as soon as it is measured ({@code first}: no JSON separator before it). */
    static void row(Format format, Row row, boolean first, PrintWriter out) {
        BenchRunner.Samples s = row.samples();
        switch (format) {
            case MD -> out.printf(Locale.ROOT, "| %-30s | %10s | %10s | %-7s | %4d | %7d | %7d | %10s | %20s |%n",
                    row.model().type(), Bytes.human(row.model().sizeBytes()), Bytes.count(row.model().parameters()),
                    row.backend(), row.gpuLayers(), row.threads(), row.batchSize(), s.test().name(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", s.meanRate(), s.stddevRate()));
            case CSV -> {
                StringJoiner line = new StringJoiner(",");
                ObjectNode node = json(row);
                for (String field : CSV_FIELDS) {
                    var v = node.get(field);
                    String text = v.isArray() ? joinArray((ArrayNode) v) : v.asText();
                    line.add(text.contains(",") || text.contains("\"")
                            ? "\"" + text.replace("\"", "\"\"") + "\"" : text);
                }
                out.println(line);
            }
            case JSON -> {
                try {
                    String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                            .writeValueAsString(json(row)).replace("\n", "\n  ");
                    out.print((first ? "" : ",\n") + "  " + text);
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        out.flush();
    }

    static void footer(Format format, PrintWriter out) {
        if (format == Format.JSON) {
            out.println("\n]");
        }
        out.flush();
    }

    private static final List<String> CSV_FIELDS = List.of("model_filename", "model_type", "model_size",
            "model_n_params", "backends", "n_batch", "n_threads", "n_gpu_layers", "test", "n_prompt", "n_gen",
            "n_depth", "avg_ns", "stddev_ns", "avg_ts", "stddev_ts", "samples_ns", "samples_ts");

    static ObjectNode json(Row row) {
        BenchRunner.Samples s = row.samples();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model_filename", row.model().fileName());
        o.put("model_type", row.model().type());
        o.put("model_size", row.model().sizeBytes());
        o.put("model_n_params", row.model().parameters());
        o.put("backends", row.backend());
        o.put("n_batch", row.batchSize());
        o.put("n_threads", row.threads());
        o.put("n_gpu_layers", row.gpuLayers());
        o.put("test", s.test().name());
        o.put("n_prompt", s.test().nPrompt());
        o.put("n_gen", s.test().nGen());
        o.put("n_depth", s.test().depth());
        o.put("avg_ns", Math.round(s.meanNanos()));
        o.put("stddev_ns", Math.round(s.stddevNanos()));
        o.put("avg_ts", s.meanRate());
        o.put("stddev_ts", s.stddevRate());
        ArrayNode ns = o.putArray("samples_ns");
        for (long n : s.nanos()) {
            ns.add(n);
        }
        ArrayNode ts = o.putArray("samples_ts");
        for (double r : s.rates()) {
            ts.add(r);
        }
        return o;
    }

    private static String joinArray(ArrayNode a) {
        StringJoiner j = new StringJoiner(";");
        a.forEach(v -> j.add(v.asText()));
        return j.toString();
    }

    /**
     * llama.cpp's model description ({@code llama_model_desc}): architecture, size class and file type,
     * e.g. {@code llama 7B Q4_K - Medium}.
     */
    static String modelType(String architecture, long parameters, int fileType) {
        String size = parameters >= 1_000_000_000L ? Math.round(parameters / 1e9) + "B"
                : parameters >= 1_000_000L ? Math.round(parameters / 1e6) + "M"
                : Math.round(parameters / 1e3) + "K";
        String ftype = switch (fileType) {
            case 0 -> "all F32";
            case 1 -> "F16";
            case 2 -> "Q4_0";
            case 3 -> "Q4_1";
            case 7 -> "Q8_0";
            case 8 -> "Q5_0";
            case 9 -> "Q5_1";
            case 10 -> "Q2_K - Medium";
            case 11 -> "Q3_K - Small";
            case 12 -> "Q3_K - Medium";
            case 13 -> "Q3_K - Large";
            case 14 -> "Q4_K - Small";
            case 15 -> "Q4_K - Medium";
            case 16 -> "Q5_K - Small";
            case 17 -> "Q5_K - Medium";
            case 18 -> "Q6_K";
            case 32 -> "BF16";
            default -> fileType < 0 ? "?" : "ftype " + fileType;
        };
        return architecture + " " + size + " " + ftype;
    }
}
