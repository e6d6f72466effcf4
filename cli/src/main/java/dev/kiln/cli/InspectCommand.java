package dev.kiln.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.gguf.GgmlType;
import dev.kiln.gguf.GgufFile;
import dev.kiln.gguf.Metadata;
import dev.kiln.gguf.MetadataValue;
import dev.kiln.gguf.TensorInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln inspect FILE [--json]}: what a GGUF file holds, without computing anything: architecture,
 * hyperparameters, tokenizer summary, every tensor, totals per type, parameter count and file size.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Describe a GGUF file: architecture, hyperparameters, tokenizer, tensors.")
final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FILE", description = "GGUF model file")
    Path file;

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try (GgufFile gguf = GgufFile.open(file)) {
            ModelSummary summary = ModelSummary.of(gguf);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                out.println(mapper.writeValueAsString(summary.toJson(gguf)));
            } else {
                summary.print(gguf, out);
            }
            out.flush();
        }
        return 0;
    }

    /** Totals derived from the tensor infos. */
    record ModelSummary(String architecture, Map<GgmlType, Integer> typeCounts, Map<GgmlType, Long> typeBytes,
                        long parameters, long tensorBytes) {

        static ModelSummary of(GgufFile gguf) {
            Map<GgmlType, Integer> counts = new EnumMap<>(GgmlType.class);
            Map<GgmlType, Long> bytes = new EnumMap<>(GgmlType.class);
            long params = 0;
            long total = 0;
            for (TensorInfo t : gguf.tensors()) {
                counts.merge(t.type(), 1, Integer::sum);
                bytes.merge(t.type(), t.sizeBytes(), Long::sum);
                params += t.elementCount();
                total += t.sizeBytes();
            }
            String arch = gguf.metadata().findString("general.architecture").orElse("(none)");
            return new ModelSummary(arch, counts, bytes, params, total);
        }

        ObjectNode toJson(GgufFile gguf) {
            Metadata md = gguf.metadata();
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode root = f.objectNode();
            root.put("file", String.valueOf(gguf.name()));
            root.put("file_size", gguf.sizeBytes());
            root.put("gguf_version", gguf.version());
            root.put("architecture", architecture);
            md.findString("general.name").ifPresent(n -> root.put("name", n));
            ObjectNode hp = root.putObject("hyperparameters");
            HyperParamsView view = HyperParamsView.of(gguf);
            if (view.validated() != null) {
                for (String[] row : view.validated().describe()) {
                    hp.set(row[0], HyperParamsView.jsonValue(row[1]));
                }
            } else {
                for (String key : md.keys()) {
                    if (key.startsWith(architecture + ".")) {
                        hp.set(key.substring(architecture.length() + 1), Json.value(md.get(key)));
                    }
                }
                root.put("unsupported", view.problem());
            }
            root.set("tokenizer", tokenizerJson(md));
            root.put("alignment", gguf.alignment());
            root.put("data_offset", gguf.dataOffsetBytes());
            root.put("parameter_count", parameters);
            root.put("tensor_bytes", tensorBytes);
            root.put("tensor_count", gguf.tensors().size());
            ObjectNode types = root.putObject("types");
            typeCounts.forEach((type, n) -> types.put(type.name(), n));
            ArrayNode tensors = root.putArray("tensors");
            for (TensorInfo t : gguf.tensors()) {
                ObjectNode node = tensors.addObject();
                node.put("name", t.name());
                node.put("type", t.type().name());
                ArrayNode shape = node.putArray("shape");
                for (long d : t.shape()) {
                    shape.add(d);
                }
                node.put("bytes", t.sizeBytes());
                node.put("offset", t.offsetBytes());
            }
            ObjectNode metadata = root.putObject("metadata");
            for (String key : md.keys()) {
                MetadataValue v = md.get(key);
                if (v instanceof MetadataValue.ArrayValue a && a.size() > 16) {
                    metadata.put(key, "[" + a.size() + " x " + a.elementType() + "]");
                } else {
                    metadata.set(key, Json.value(v));
                }
            }
            return root;
        }

        private static ObjectNode tokenizerJson(Metadata md) {
            ObjectNode tok = JsonNodeFactory.instance.objectNode();
            md.findString("tokenizer.ggml.model").ifPresent(m -> tok.put("model", m));
            md.findString("tokenizer.ggml.pre").ifPresent(p -> tok.put("pre", p));
            md.findArray("tokenizer.ggml.tokens").ifPresent(a -> tok.put("vocab_size", a.size()));
            md.findArray("tokenizer.ggml.merges").ifPresent(a -> tok.put("merges", a.size()));
            md.findLong("tokenizer.ggml.bos_token_id").ifPresent(id -> tok.put("bos_token_id", id));
            md.findLong("tokenizer.ggml.eos_token_id").ifPresent(id -> tok.put("eos_token_id", id));
            md.findBoolean("tokenizer.ggml.add_bos_token").ifPresent(b -> tok.put("add_bos_token", b));
            tok.put("chat_template", md.contains("tokenizer.chat_template"));
            return tok;
        }

        void print(GgufFile gguf, PrintWriter out) {
            Metadata md = gguf.metadata();
            out.printf("file:          %s (%s, GGUF v%d)%n", gguf.name(), Bytes.human(gguf.sizeBytes()), gguf.version());
            out.printf("architecture:  %s%n", architecture);
            md.findString("general.name").ifPresent(n -> out.printf("name:          %s%n", n));
            out.printf("parameters:    %,d (%s)%n", parameters, Bytes.count(parameters));
            out.printf("tensor data:   %s in %d tensors, starting at byte %,d (alignment %d)%n",
                    Bytes.human(tensorBytes), gguf.tensors().size(), gguf.dataOffsetBytes(), gguf.alignment());
            out.println();
            out.println("hyperparameters:");
            HyperParamsView view = HyperParamsView.of(gguf);
            if (view.validated() != null) {
                for (String[] row : view.validated().describe()) {
                    out.printf("  %-44s %s%n", row[0], row[1]);
                }
            } else {
                out.printf("  (cannot run: %s)%n", view.problem());
                for (String key : md.keys()) {
                    if (key.startsWith(architecture + ".")) {
                        out.printf("  %-44s %s%n", key.substring(architecture.length() + 1), md.get(key).display(8));
                    }
                }
            }
            out.println();
            out.println("tokenizer:");
            tokenizerJson(md).properties().forEach(e -> out.printf("  %-44s %s%n", e.getKey(), e.getValue()));
            out.println();
            out.println("other metadata:");
            for (String key : md.keys()) {
                if (!key.startsWith(architecture + ".") && !key.startsWith("tokenizer.ggml.")) {
                    out.printf("  %-44s %s%n", key, md.get(key).display(4));
                }
            }
            out.println();
            out.printf("%-40s %-8s %-24s %12s%n", "tensor", "type", "shape", "bytes");
            for (TensorInfo t : gguf.tensors()) {
                out.printf("%-40s %-8s %-24s %12s%n", t.name(), t.type(), java.util.Arrays.toString(t.shape()),
                        String.format("%,d", t.sizeBytes()));
            }
            out.println();
            out.println("totals by type:");
            typeCounts.forEach((type, n) -> out.printf("  %-8s %4d tensors %12s%n", type, n, Bytes.human(typeBytes.get(type))));
        }
    }
}
