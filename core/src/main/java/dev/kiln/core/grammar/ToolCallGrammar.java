package dev.kiln.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Grammars for the tool-call syntax of each model family, with each call's arguments constrained by its tool's
 * {@code parameters} JSON Schema: what {@code tool_choice: "required"} (or a named function) lets the model write,
 * and what a call the model starts under {@code "auto"} is completed with. The formats are those the chat templates
 * render for an assistant turn with {@code tool_calls}:
 * <ul>
 *   <li>{@link Format#HERMES} (Qwen 2.5/3, Hermes): {@code <tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>}
 *       per call;</li>
 *   <li>{@link Format#MISTRAL}: {@code [TOOL_CALLS]name[ARGS]{...}} per call (Devstral, Ministral 3), with
 *       {@code [CALL_ID]id} before {@code [ARGS]} (Mistral Small 3.2, Magistral), or
 *       {@code [TOOL_CALLS][{"name": ..., "arguments": {...}}]} (Mistral Nemo, v3 tekken): templates differ in
 *       spelling, so all three are allowed;</li>
 *   <li>{@link Format#LLAMA3}: the whole reply is {@code {"name": ..., "parameters": {...}}} (one call);</li>
 *   <li>{@link Format#DEEPSEEK_R1}: {@code <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>name\n```json\n{...}\n```<｜tool▁call▁end｜>...<｜tool▁calls▁end｜>}.</li>
 * </ul>
 */
public final class ToolCallGrammar {

    /** A family's tool-call syntax. */
    public enum Format {
        HERMES("<tool_call>"), MISTRAL("[TOOL_CALLS]"), LLAMA3("{"),
        DEEPSEEK_R1("<\uff5ctool\u2581calls\u2581begin\uff5c>");

        private final String opening;

        Format(String opening) {
            this.opening = opening;
        }

        /** The text that opens a tool-call section (where a lazy grammar starts). */
        public String opening() {
            return opening;
        }
    }

    /** A tool: its name and the JSON Schema of its arguments (null: any object). */
    public record Tool(String name, JsonNode parameters) {
    }

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ToolCallGrammar() {
    }

    /**
     * The grammar of one or more calls (one for {@link Format#LLAMA3}) of the given tools in {@code format}.
     *
     * @throws GrammarException naming the tool and the JSON pointer when a parameters schema cannot be enforced
     */
    public static Grammar of(Format format, List<Tool> tools, boolean parallel) {
        if (tools.isEmpty()) {
            throw new GrammarException("no tools to call");
        }
        List<JsonNode> schemas = new ArrayList<>();
        for (Tool t : tools) {
            JsonNode p = t.parameters();
            schemas.add(p == null || p.isNull() || p.isEmpty() ? NODES.objectNode().put("type", "object") : p);
        }
        return JsonSchemaCompiler.around(compile -> root(format, tools, parallel, schemas, compile),
                "tool calls (" + format + ")");
    }

    private static Expr root(Format format, List<Tool> tools, boolean parallel, List<JsonNode> schemas,
                             java.util.function.BiFunction<JsonNode, String, Integer> compile) {
        List<Integer> arguments = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            try {
                arguments.add(compile.apply(schemas.get(i), ""));
            } catch (GrammarException e) {
                throw new GrammarException("tools[" + i + "] (" + tools.get(i).name() + ") function.parameters: "
                        + e.getMessage(), e);
            }
        }
        Expr nl = Expr.optional(Expr.ch('\n'));
        switch (format) {
            case HERMES -> {
                Expr call = Expr.seq(Expr.literal("<tool_call>"), nl, callObject(tools, arguments, "arguments"), nl,
                        Expr.literal("</tool_call>"));
                return parallel ? Expr.seq(call, Expr.star(Expr.seq(nl, call))) : call;
            }
            case MISTRAL -> {
                List<Expr> named = new ArrayList<>();
                Expr callId = Expr.optional(Expr.seq(Expr.literal("[CALL_ID]"), Expr.repeat(Expr.chars(
                        CodepointSet.of('a', 'z').union(CodepointSet.of('A', 'Z')).union(CodepointSet.of('0', '9'))),
                        9, 9)));
                for (int i = 0; i < tools.size(); i++) {
                    named.add(Expr.seq(Expr.literal(tools.get(i).name()), callId, Expr.literal("[ARGS]"),
                            Expr.call(arguments.get(i))));
                }
                Expr object = callObject(tools, arguments, "arguments");
                Expr sep = Expr.seq(Expr.ch(','), Expr.optional(Expr.ch(' ')));
                Expr list = parallel ? Expr.seq(object, Expr.star(Expr.seq(sep, object))) : object;
                Expr array = Expr.seq(Expr.optional(Expr.ch(' ')), Expr.ch('['), list, Expr.ch(']'));
                Expr call = Expr.seq(Expr.literal("[TOOL_CALLS]"), Expr.alt(Expr.alt(named), array));
                return parallel ? Expr.plus(call) : call;
            }
            case LLAMA3 -> {
                return callObject(tools, arguments, "parameters");
            }
            case DEEPSEEK_R1 -> {
                List<Expr> alts = new ArrayList<>();
                for (int i = 0; i < tools.size(); i++) {
                    alts.add(Expr.seq(Expr.literal("<\uff5ctool\u2581call\u2581begin\uff5c>function<\uff5ctool\u2581sep\uff5c>"),
                            Expr.literal(tools.get(i).name()), Expr.literal("\n```json\n"),
                            Expr.call(arguments.get(i)), Expr.literal("\n```<\uff5ctool\u2581call\u2581end\uff5c>")));
                }
                Expr call = Expr.alt(alts);
                Expr calls = parallel ? Expr.seq(call, Expr.star(Expr.seq(nl, call))) : call;
                return Expr.seq(Expr.literal("<\uff5ctool\u2581calls\u2581begin\uff5c>"), calls,
                        Expr.literal("<\uff5ctool\u2581calls\u2581end\uff5c>"));
            }
            default -> throw new IllegalArgumentException(format.name());
        }
    }

    /** {@code {"name": "NAME", "KEY": ARGS}} for any of the tools (keys in this order, as templates write them). */
    private static Expr callObject(List<Tool> tools, List<Integer> arguments, String key) {
        List<Expr> alts = new ArrayList<>();
        Expr sp = Expr.optional(Expr.ch(' '));
        for (int i = 0; i < tools.size(); i++) {
            alts.add(Expr.seq(Expr.ch('{'), Expr.literal("\"name\":"), sp,
                    Expr.literal(JsonText.string(tools.get(i).name())), Expr.ch(','), sp,
                    Expr.literal(JsonText.string(key) + ":"), sp, Expr.call(arguments.get(i)), Expr.ch('}')));
        }
        return Expr.alt(alts);
    }
}
