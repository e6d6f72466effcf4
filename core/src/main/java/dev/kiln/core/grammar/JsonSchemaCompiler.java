package dev.kiln.core.grammar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema (drafts 4 to 2020-12, the keywords real schemas use) into a {@link Grammar} of the compact
 * or lightly spaced JSON texts valid under it. Every keyword that constrains values is either enforced exactly or
 * refused with a {@link GrammarException} naming the keyword and its JSON pointer; annotations ({@code title},
 * {@code description}, {@code default}, unknown keywords...) are ignored, as validators ignore them.
 *
 * <p>Enforced: {@code type}, {@code enum}, {@code const}, {@code properties}, {@code required},
 * {@code additionalProperties}, {@code patternProperties}, {@code min/maxProperties} (members in any order, see
 * {@link ObjectMachine}), {@code items}, {@code prefixItems}, {@code additionalItems}, {@code min/maxItems},
 * {@code minLength}, {@code maxLength}, {@code pattern}, {@code format} (see {@link Formats}), {@code minimum},
 * {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum}, {@code multipleOf} (see
 * {@link NumberRange}), {@code anyOf}, {@code allOf} (merged), {@code oneOf} (when its branches cannot overlap),
 * {@code $ref} to {@code #...} pointers and {@code $defs}/{@code definitions}, recursion included.
 */
final class JsonSchemaCompiler {

    /** Reads schemas and instances with exact decimals (numbers keep their digits). */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Set<String> ALL_TYPES = Set.of("null", "boolean", "object", "array", "number", "integer",
            "string");
    /** Keywords that constrain values but are not enforced: refused where they apply. */
    private static final Map<String, String> REFUSED_ANY = Map.of("not", "any", "if", "any", "then", "any",
            "else", "any", "$dynamicRef", "any", "$recursiveRef", "any");
    private static final Set<String> REFUSED_OBJECT = Set.of("dependencies", "dependentRequired",
            "dependentSchemas", "unevaluatedProperties", "propertyNames");
    private static final Set<String> REFUSED_ARRAY = Set.of("contains", "minContains", "maxContains",
            "unevaluatedItems");
    private static final int MAX_MERGE_DEPTH = 64;
    private static final int MAX_RULES = 20_000;
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode root;
    private final GrammarBuilder builder;
    private final Map<JsonNode, Integer> rules = new IdentityHashMap<>();
    private final Map<String, Integer> shared = new HashMap<>();
    private final Map<CodepointSet, Integer> characterRules = new HashMap<>();
    private static final SetView PLAIN_ONLY = new SetView(JsonText.PLAIN);
    private int mergeDepth;

    private JsonSchemaCompiler(JsonNode root) {
        this(root, new GrammarBuilder());
    }

    private JsonSchemaCompiler(JsonNode root, GrammarBuilder builder) {
        this.root = root;
        this.builder = builder;
    }

    static Grammar compile(String text) {
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")";
            throw new GrammarException("the JSON Schema is not valid JSON: " + e.getOriginalMessage() + at);
        }
        if (node == null) {
            throw new GrammarException("the JSON Schema is empty");
        }
        return compile(node);
    }

    static Grammar compile(JsonNode schema) {
        JsonSchemaCompiler c = new JsonSchemaCompiler(schema);
        int root = c.rule(schema, "");
        return c.builder.build(root, "JSON Schema");
    }

    /**
     * A grammar around JSON Schema values: {@code root} receives a function that compiles a schema (as a document
     * of its own, named for messages) to a rule id, and returns the root expression.
     */
    static Grammar around(java.util.function.Function<java.util.function.BiFunction<JsonNode, String, Integer>,
            Expr> root, String description) {
        GrammarBuilder builder = new GrammarBuilder();
        int id = builder.freshRule("root");
        // each schema is its own document: its $refs resolve against itself
        Expr body = root.apply((schema, name) -> new JsonSchemaCompiler(schema, builder).rule(schema, name));
        builder.define(id, body);
        return builder.build(id, description);
    }

    /** Any JSON object, for {@code response_format: json_object}. */
    static Grammar anyObject() {
        JsonSchemaCompiler c = new JsonSchemaCompiler(NODES.objectNode());
        return c.builder.build(c.anyObjectRule(), "JSON object");
    }

    // --- rules

    private int rule(JsonNode schema, String ptr) {
        Integer known = rules.get(schema);
        if (known != null) {
            return known;
        }
        if (rules.size() > MAX_RULES) {
            throw new GrammarException("the schema is too large (over " + MAX_RULES + " subschemas)");
        }
        int id = builder.freshRule(ruleName(ptr));
        rules.put(schema, id);
        builder.define(id, value(schema, ptr));
        return id;
    }

    private static String ruleName(String ptr) {
        String name = ptr.isEmpty() ? "root" : ptr.substring(1).replaceAll("[^A-Za-z0-9-]+", "-");
        return name.length() > 60 ? name.substring(name.length() - 60) : name;
    }

    private int sharedRule(String name, java.util.function.Supplier<Expr> body) {
        Integer known = shared.get(name);
        if (known != null) {
            return known;
        }
        int id = builder.freshRule(name);
        shared.put(name, id);
        builder.define(id, body.get());
        return id;
    }

    private static Expr ws() {
        return Expr.optional(Expr.alt(Expr.ch(' '), Expr.seq(Expr.ch('\n'),
                Expr.repeat(Expr.chars(CodepointSet.chars(" \t")), 0, 20))));
    }

    int anyValueRule() {
        Integer known = shared.get("value");
        if (known != null) {
            return known;
        }
        int id = builder.freshRule("value");
        shared.put("value", id);
        int object = anyObjectRule();
        int array = builder.freshRule("array");
        builder.define(array, arrayOf(Expr.call(id), List.of(), 0, -1));
        builder.define(id, Expr.alt(Expr.call(object), Expr.call(array), Expr.call(stringRule()), numberExpr(false),
                Expr.literal("true"), Expr.literal("false"), Expr.literal("null")));
        return id;
    }

    private int anyObjectRule() {
        Integer known = shared.get("object");
        if (known != null) {
            return known;
        }
        int id = builder.freshRule("object");
        shared.put("object", id);
        int value = anyValueRule();
        int[] keys = {stringRule()};
        builder.defineMachine(id, mid -> new ObjectMachine(mid, "object", keys, 0, 0, true, new int[] {value},
                new long[0], 0, -1));
        return id;
    }

    /**
     * The JSON text of one character of {@code set}: plain ASCII inline (one byte), anything else through a shared
     * rule per set, so that a long automaton (a maxLength of thousands) stays one state per position.
     */
    private Expr character(CodepointSet set) {
        if (PLAIN_ONLY.containsAll(set)) {
            return Expr.chars(set);
        }
        Integer known = characterRules.get(set);
        if (known == null) {
            known = builder.freshRule("char");
            characterRules.put(set, known);
            builder.define(known, JsonText.character(set));
        }
        return Expr.call(known);
    }

    private int stringRule() {
        return sharedRule("string", JsonText::anyString);
    }

    // --- one schema

    private Expr value(JsonNode s, String ptr) {
        if (s.isBoolean()) {
            return s.booleanValue() ? Expr.call(anyValueRule()) : Expr.NOTHING;
        }
        if (!s.isObject()) {
            throw new GrammarException(at(ptr) + ": a schema must be an object or a boolean, found " + kind(s));
        }
        ObjectNode o = (ObjectNode) s;
        if (o.has("$ref")) {
            String ref = text(o, "$ref", ptr);
            JsonNode target = resolve(ref, ptr);
            ObjectNode rest = without(o, "$ref");
            if (!constrains(rest)) {
                return Expr.call(rule(target, refPointer(ref)));
            }
            return value(merge(rest, target, ptr), ptr);
        }
        if (o.has("allOf")) {
            JsonNode all = o.get("allOf");
            if (!all.isArray() || all.isEmpty()) {
                throw new GrammarException(at(ptr + "/allOf") + ": allOf must be a non-empty array");
            }
            JsonNode merged = without(o, "allOf");
            for (int i = 0; i < all.size(); i++) {
                merged = merge(merged, all.get(i), ptr + "/allOf/" + i);
            }
            return value(merged, ptr);
        }
        for (String k : REFUSED_ANY.keySet()) {
            if (o.has(k)) {
                throw new GrammarException(at(ptr + "/" + k) + ": keyword \"" + k + "\" cannot be enforced");
            }
        }
        if (o.has("anyOf") || o.has("oneOf")) {
            String key = o.has("anyOf") ? "anyOf" : "oneOf";
            JsonNode branches = o.get(key);
            if (!branches.isArray() || branches.isEmpty()) {
                throw new GrammarException(at(ptr + "/" + key) + ": " + key + " must be a non-empty array");
            }
            if (key.equals("oneOf")) {
                checkDisjoint(branches, declaredTypes(o, ptr), ptr + "/oneOf");
            }
            ObjectNode rest = without(o, key);
            List<Expr> alts = new ArrayList<>();
            for (int i = 0; i < branches.size(); i++) {
                String bp = ptr + "/" + key + "/" + i;
                if (!constrains(rest)) {
                    alts.add(Expr.call(rule(branches.get(i), bp)));
                } else {
                    alts.add(value(merge(rest, branches.get(i), bp), bp));
                }
            }
            return Expr.alt(alts);
        }
        Set<String> types = declaredTypes(o, ptr);
        if (o.has("const") || o.has("enum")) {
            List<JsonNode> values = new ArrayList<>();
            if (o.has("const")) {
                values.add(o.get("const"));
            } else {
                JsonNode e = o.get("enum");
                if (!e.isArray()) {
                    throw new GrammarException(at(ptr + "/enum") + ": enum must be an array");
                }
                e.forEach(values::add);
            }
            if (o.has("const") && o.has("enum")) {
                boolean found = false;
                for (JsonNode v : o.get("enum")) {
                    found |= JsonText.write(v).equals(JsonText.write(o.get("const")));
                }
                if (!found) {
                    return Expr.NOTHING;
                }
            }
            List<Expr> alts = new ArrayList<>();
            Set<String> seen = new LinkedHashSet<>();
            for (JsonNode v : values) {
                if (types.contains(typeOf(v)) || (typeOf(v).equals("integer") && types.contains("number"))) {
                    String text = JsonText.write(v);
                    if (seen.add(text) && literalValid(o, v)) {
                        alts.add(Expr.literal(text));
                    }
                }
            }
            return alts.isEmpty() ? Expr.NOTHING : Expr.alt(alts);
        }
        List<Expr> alts = new ArrayList<>();
        if (types.contains("null")) {
            alts.add(Expr.literal("null"));
        }
        if (types.contains("boolean")) {
            alts.add(Expr.alt(Expr.literal("true"), Expr.literal("false")));
        }
        if (types.contains("number")) {
            alts.add(number(o, ptr, false));
        } else if (types.contains("integer")) {
            alts.add(number(o, ptr, true));
        }
        if (types.contains("string")) {
            alts.add(string(o, ptr));
        }
        if (types.contains("array")) {
            alts.add(array(o, ptr));
        }
        if (types.contains("object")) {
            alts.add(object(o, ptr));
        }
        return Expr.alt(alts);
    }

    /** Simple checks a literal of {@code enum}/{@code const} must also pass (lengths, bounds). */
    private static boolean literalValid(ObjectNode o, JsonNode v) {
        if (v.isTextual()) {
            int n = v.textValue().codePointCount(0, v.textValue().length());
            if (o.has("minLength") && n < o.get("minLength").asInt()) {
                return false;
            }
            return !o.has("maxLength") || n <= o.get("maxLength").asInt();
        }
        if (v.isNumber()) {
            BigDecimal d = v.decimalValue();
            if (o.path("minimum").isNumber() && d.compareTo(o.get("minimum").decimalValue()) < 0) {
                return false;
            }
            return !o.path("maximum").isNumber() || d.compareTo(o.get("maximum").decimalValue()) <= 0;
        }
        return true;
    }

    private Set<String> declaredTypes(ObjectNode o, String ptr) {
        JsonNode t = o.get("type");
        if (t == null) {
            return ALL_TYPES;
        }
        Set<String> out = new LinkedHashSet<>();
        if (t.isTextual()) {
            out.add(t.textValue());
        } else if (t.isArray()) {
            for (JsonNode x : t) {
                if (!x.isTextual()) {
                    throw new GrammarException(at(ptr + "/type") + ": type must name JSON types");
                }
                out.add(x.textValue());
            }
        } else {
            throw new GrammarException(at(ptr + "/type") + ": type must be a string or an array of strings");
        }
        for (String x : out) {
            if (!ALL_TYPES.contains(x)) {
                throw new GrammarException(at(ptr + "/type") + ": unknown type \"" + x + "\"");
            }
        }
        return out;
    }

    private static String typeOf(JsonNode v) {
        return switch (v.getNodeType()) {
            case NULL -> "null";
            case BOOLEAN -> "boolean";
            case OBJECT -> "object";
            case ARRAY -> "array";
            case STRING -> "string";
            case NUMBER -> v.isIntegralNumber() || v.decimalValue().stripTrailingZeros().scale() <= 0
                    ? "integer" : "number";
            default -> "null";
        };
    }

    // --- numbers

    private static Expr numberExpr(boolean integer) {
        Expr digits = Expr.chars(CodepointSet.of('0', '9'));
        Expr intPart = Expr.alt(Expr.ch('0'), Expr.seq(Expr.chars(CodepointSet.of('1', '9')), Expr.star(digits)));
        Expr sign = Expr.optional(Expr.ch('-'));
        if (integer) {
            return Expr.seq(sign, intPart);
        }
        return Expr.seq(sign, intPart, Expr.optional(Expr.seq(Expr.ch('.'), Expr.plus(digits))),
                Expr.optional(Expr.seq(Expr.chars(CodepointSet.chars("eE")), Expr.optional(Expr.chars(
                        CodepointSet.chars("+-"))), Expr.plus(digits))));
    }

    private Expr number(ObjectNode o, String ptr, boolean integer) {
        BigDecimal low = null;
        BigDecimal high = null;
        boolean lowStrict = false;
        boolean highStrict = false;
        if (o.has("minimum")) {
            low = decimal(o, "minimum", ptr);
        }
        if (o.has("maximum")) {
            high = decimal(o, "maximum", ptr);
        }
        JsonNode exMin = o.get("exclusiveMinimum");
        if (exMin != null) {
            if (exMin.isBoolean()) {
                lowStrict = exMin.booleanValue() && low != null;
            } else {
                BigDecimal v = decimal(o, "exclusiveMinimum", ptr);
                if (low == null || v.compareTo(low) >= 0) {
                    low = v;
                    lowStrict = true;
                }
            }
        }
        JsonNode exMax = o.get("exclusiveMaximum");
        if (exMax != null) {
            if (exMax.isBoolean()) {
                highStrict = exMax.booleanValue() && high != null;
            } else {
                BigDecimal v = decimal(o, "exclusiveMaximum", ptr);
                if (high == null || v.compareTo(high) <= 0) {
                    high = v;
                    highStrict = true;
                }
            }
        }
        BigDecimal multipleOf = o.has("multipleOf") ? decimal(o, "multipleOf", ptr) : null;
        if (low == null && high == null && multipleOf == null) {
            return numberExpr(integer);
        }
        NumberRange range = new NumberRange(low, lowStrict, high, highStrict, integer, multipleOf);
        String key = "number" + range;
        Integer known = shared.get(key);
        if (known != null) {
            return Expr.call(known);
        }
        int id = builder.freshRule(integer ? "integer-range" : "number-range");
        shared.put(key, id);
        DfaMachine[] made = new DfaMachine[1];
        try {
            made[0] = range.machine(id, builder.name(id));
        } catch (GrammarException e) {
            throw new GrammarException(at(ptr) + ": " + e.getMessage());
        }
        builder.defineMachine(id, mid -> made[0]);
        return Expr.call(id);
    }

    private static BigDecimal decimal(ObjectNode o, String key, String ptr) {
        JsonNode v = o.get(key);
        if (!v.isNumber()) {
            throw new GrammarException(at(ptr + "/" + key) + ": " + key + " must be a number");
        }
        return v.decimalValue();
    }

    // --- strings

    private Expr string(ObjectNode o, String ptr) {
        // one rule per distinct set of string constraints (schemas repeat the same pattern many times)
        String key = "string:" + o.get("pattern") + "|" + o.get("format") + "|" + o.get("minLength") + "|"
                + o.get("maxLength");
        Integer known = shared.get(key);
        if (known != null) {
            return Expr.call(known);
        }
        Expr body = stringBody(o, ptr);
        int id = builder.freshRule(ruleName(ptr) + "-str");
        shared.put(key, id);
        builder.define(id, body);
        return Expr.call(id);
    }

    private Expr stringBody(ObjectNode o, String ptr) {
        CharDfa content = null;
        try {
            for (String p : patterns(o, ptr)) {
                CharDfa d = CharDfa.of(RegexParser.search(p, at(ptr + "/pattern")));
                content = content == null ? d : content.intersect(d);
            }
            for (String f : strings(o, "format")) {
                String p = Formats.pattern(f, at(ptr + "/format"));
                if (p != null) {
                    CharDfa d = CharDfa.of(RegexParser.search(p, at(ptr + "/format")));
                    content = content == null ? d : content.intersect(d);
                }
            }
            int min = o.has("minLength") ? count(o, "minLength", ptr) : 0;
            int max = o.has("maxLength") ? count(o, "maxLength", ptr) : -1;
            if (min > 0 || max >= 0) {
                if (max >= 0 && max < min) {
                    return Expr.NOTHING;
                }
                boolean implied = false;
                if (content != null && !content.isEmpty() && content.size() < 2000) {
                    int longest = content.longest();
                    implied = content.shortest() >= min && (max < 0 || (longest >= 0 && longest <= max));
                }
                if (content == null) {
                    int id = builder.freshRule(ruleName(ptr) + "-string");
                    int lo = min;
                    int hi = max;
                    builder.defineMachine(id, mid -> new CountedStringMachine(mid, builder.name(mid), lo, hi));
                    return Expr.call(id);
                }
                if (!implied) {
                    content = (content == null ? CharDfa.star(CodepointSet.ALL) : content).lengthBetween(min, max);
                }
            }
        } catch (GrammarException e) {
            if (e.getMessage().startsWith("#")) {
                throw e;
            }
            throw new GrammarException(at(ptr) + ": " + e.getMessage());
        }
        if (content == null) {
            return Expr.call(stringRule());
        }
        if (content.isEmpty()) {
            return Expr.NOTHING;
        }
        if (content.size() <= 8) {
            return JsonText.string(content, this::character);
        }
        int id = builder.freshRule(ruleName(ptr) + "-string");
        DfaMachine m = stringMachine(id, builder.name(id), content);
        builder.defineMachine(id, mid -> m);
        return Expr.call(id);
    }

    /**
     * A JSON string over a content automaton, built directly (no subset construction: the automaton is already
     * deterministic): printable ASCII moves on its byte, other characters through their shared character rule.
     * States: 0 before the opening quote, 1 + s in content state s, then one after the closing quote.
     */
    private DfaMachine stringMachine(int id, String name, CharDfa content) {
        int n = content.size();
        int end = n + 1;
        int states = n + 2;
        boolean[] cut = new boolean[257];
        cut[0] = true;
        cut[256] = true;
        cut['"'] = true;
        cut['"' + 1] = true;
        List<CodepointSet[]> plain = new ArrayList<>();
        for (int s = 0; s < n; s++) {
            CodepointSet[] p = new CodepointSet[content.edgeCount(s)];
            for (int k = 0; k < p.length; k++) {
                p[k] = content.edgeSet(s, k).intersect(JsonText.PLAIN);
                for (int r = 0; r < p[k].rangeCount(); r++) {
                    cut[p[k].lo(r)] = true;
                    cut[p[k].hi(r) + 1] = true;
                }
            }
            plain.add(p);
        }
        byte[] classOf = new byte[256];
        int classes = -1;
        int[] representative = new int[256];
        for (int b = 0; b < 256; b++) {
            if (cut[b]) {
                classes++;
                representative[classes] = b;
            }
            classOf[b] = (byte) classes;
        }
        classes++;
        int[] next = new int[states * classes];
        java.util.Arrays.fill(next, -1);
        int[][] calls = new int[states][];
        calls[0] = new int[0];
        calls[end] = new int[0];
        next[classOf['"']] = 1;
        for (int s = 0; s < n; s++) {
            Nfa.IntList callList = new Nfa.IntList();
            for (int k = 0; k < content.edgeCount(s); k++) {
                int target = 1 + content.edgeTarget(s, k);
                CodepointSet p = plain.get(s)[k];
                for (int c = 0; c < classes; c++) {
                    if (p.contains(representative[c])) {
                        next[(1 + s) * classes + c] = target;
                    }
                }
                CodepointSet rest = content.edgeSet(s, k).minus(JsonText.PLAIN);
                if (!rest.isEmpty()) {
                    callList.add(characterRule(rest));
                    callList.add(target);
                }
            }
            if (content.accepting(s)) {
                next[(1 + s) * classes + classOf['"']] = end;
            }
            calls[1 + s] = callList.toArray();
        }
        boolean[] accepting = new boolean[states];
        accepting[end] = true;
        return new DfaMachine(id, name, classOf, classes, next, calls, accepting);
    }

    private int characterRule(CodepointSet set) {
        Integer known = characterRules.get(set);
        if (known == null) {
            known = builder.freshRule("char");
            characterRules.put(set, known);
            builder.define(known, JsonText.character(set));
        }
        return known;
    }

    /** Containment test of code-point sets. */
    private record SetView(CodepointSet set) {
        boolean containsAll(CodepointSet other) {
            return other.minus(set).isEmpty();
        }
    }

    private static List<String> patterns(ObjectNode o, String ptr) {
        return strings(o, "pattern");
    }

    /** A keyword's string value, or the strings of the array a merge made of it. */
    private static List<String> strings(ObjectNode o, String key) {
        JsonNode v = o.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v.isTextual()) {
            out.add(v.textValue());
        } else if (v.isArray()) {
            v.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    private static int count(ObjectNode o, String key, String ptr) {
        JsonNode v = o.get(key);
        if (!v.isNumber() || v.decimalValue().signum() < 0 || v.decimalValue().stripTrailingZeros().scale() > 0) {
            throw new GrammarException(at(ptr + "/" + key) + ": " + key + " must be a non-negative integer");
        }
        if (v.decimalValue().compareTo(BigDecimal.valueOf(1_000_000)) > 0) {
            return 1_000_000;
        }
        return v.decimalValue().intValue();
    }

    // --- arrays

    private Expr array(ObjectNode o, String ptr) {
        for (String k : REFUSED_ARRAY) {
            if (o.has(k)) {
                throw new GrammarException(at(ptr + "/" + k) + ": keyword \"" + k + "\" cannot be enforced");
            }
        }
        List<Expr> prefix = new ArrayList<>();
        JsonNode items = o.get("items");
        JsonNode rest;
        if (items != null && items.isArray()) {
            for (int i = 0; i < items.size(); i++) {
                prefix.add(Expr.call(rule(items.get(i), ptr + "/items/" + i)));
            }
            rest = o.get("additionalItems");
            if (rest == null) {
                rest = NODES.booleanNode(true);
            }
            return arrayWith(o, ptr, prefix, rest, ptr + "/additionalItems");
        }
        JsonNode prefixItems = o.get("prefixItems");
        if (prefixItems != null) {
            if (!prefixItems.isArray()) {
                throw new GrammarException(at(ptr + "/prefixItems") + ": prefixItems must be an array");
            }
            for (int i = 0; i < prefixItems.size(); i++) {
                prefix.add(Expr.call(rule(prefixItems.get(i), ptr + "/prefixItems/" + i)));
            }
        }
        rest = items == null ? NODES.booleanNode(true) : items;
        return arrayWith(o, ptr, prefix, rest, ptr + "/items");
    }

    private Expr arrayWith(ObjectNode o, String ptr, List<Expr> prefix, JsonNode rest, String restPtr) {
        int min = o.has("minItems") ? count(o, "minItems", ptr) : 0;
        int max = o.has("maxItems") ? count(o, "maxItems", ptr) : -1;
        boolean restAllowed = !(rest.isBoolean() && !rest.booleanValue());
        if (!restAllowed) {
            max = max < 0 ? prefix.size() : Math.min(max, prefix.size());
        }
        if (o.path("uniqueItems").asBoolean(false) && (max < 0 || max > 1)) {
            throw new GrammarException(at(ptr + "/uniqueItems") + ": keyword \"uniqueItems\" cannot be enforced");
        }
        if (max >= 0 && max < min) {
            return Expr.NOTHING;
        }
        if (min > 10_000 || max > 10_000) {
            throw new GrammarException(at(ptr) + ": array length bounds over 10000 cannot be enforced");
        }
        Expr restItem = restAllowed ? Expr.call(rule(rest, restPtr)) : null;
        if (prefix.isEmpty() && rest.isBoolean() && rest.booleanValue() && min == 0 && max < 0) {
            return Expr.call(sharedRule("array-any", () -> arrayOf(Expr.call(anyValueRule()), List.of(), 0, -1)));
        }
        return arrayOf(restItem, prefix, min, max);
    }

    /** {@code [ws items ws]} with the given prefix items, then {@code rest} items, {@code min..max} in all. */
    private static Expr arrayOf(Expr rest, List<Expr> prefix, int min, int max) {
        Expr sep = Expr.seq(ws(), Expr.ch(','), ws());
        Expr body = elements(1, rest, prefix, min, max, sep);
        return Expr.seq(Expr.ch('['), ws(), body, ws(), Expr.ch(']'));
    }

    private static Expr elements(int i, Expr rest, List<Expr> prefix, int min, int max, Expr sep) {
        if (max >= 0 && i > max) {
            return Expr.EMPTY;
        }
        if (i > prefix.size()) {
            if (rest == null) {
                return min >= i ? Expr.NOTHING : Expr.EMPTY;
            }
            int written = i - 1;
            int more = Math.max(0, min - written);
            int moreMax = max < 0 ? -1 : max - written;
            if (written == 0) {
                Expr tail = Expr.repeat(Expr.seq(sep, rest), Math.max(0, min - 1), max < 0 ? -1 : max - 1);
                Expr all = Expr.seq(rest, tail);
                return min >= 1 ? all : Expr.optional(all);
            }
            return Expr.repeat(Expr.seq(sep, rest), more, moreMax);
        }
        Expr item = Expr.seq(i > 1 ? sep : Expr.EMPTY, prefix.get(i - 1), elements(i + 1, rest, prefix, min, max, sep));
        return i <= min ? item : Expr.optional(item);
    }

    // --- objects

    private Expr object(ObjectNode o, String ptr) {
        for (String k : REFUSED_OBJECT) {
            if (o.has(k)) {
                throw new GrammarException(at(ptr + "/" + k) + ": keyword \"" + k + "\" cannot be enforced");
            }
        }
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        Map<String, String> propertyPtr = new HashMap<>();
        JsonNode props = o.get("properties");
        if (props != null) {
            if (!props.isObject()) {
                throw new GrammarException(at(ptr + "/properties") + ": properties must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                properties.put(e.getKey(), e.getValue());
                propertyPtr.put(e.getKey(), ptr + "/properties/" + escape(e.getKey()));
            }
        }
        List<String> required = new ArrayList<>();
        JsonNode req = o.get("required");
        if (req != null && req.isArray()) {
            for (JsonNode r : req) {
                if (!r.isTextual()) {
                    throw new GrammarException(at(ptr + "/required") + ": required must list property names");
                }
                if (!required.contains(r.textValue())) {
                    required.add(r.textValue());
                }
            }
        }
        // patternProperties
        List<String> patternKeys = new ArrayList<>();
        List<CharDfa> patternDfas = new ArrayList<>();
        List<JsonNode> patternSchemas = new ArrayList<>();
        JsonNode pp = o.get("patternProperties");
        if (pp != null && pp.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = pp.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String at = at(ptr + "/patternProperties/" + escape(e.getKey()));
                patternKeys.add(e.getKey());
                patternDfas.add(CharDfa.of(RegexParser.search(e.getKey(), at)));
                patternSchemas.add(e.getValue());
            }
        }
        JsonNode additional = o.get("additionalProperties");
        boolean otherAllowed = additional == null || !additional.isBoolean() || additional.booleanValue();
        // literal members: the properties, then required names that are not properties
        List<String> names = new ArrayList<>(properties.keySet());
        for (String r : required) {
            if (!properties.containsKey(r)) {
                names.add(r);
            }
        }
        int literals = names.size();
        int patterns = patternKeys.size();
        int[] valueRule = new int[literals + patterns + (otherAllowed ? 1 : 0)];
        long[] requiredBits = new long[(literals + 63) / 64];
        for (int i = 0; i < literals; i++) {
            String name = names.get(i);
            List<JsonNode> parts = new ArrayList<>();
            if (properties.containsKey(name)) {
                parts.add(properties.get(name));
            }
            for (int j = 0; j < patterns; j++) {
                if (patternDfas.get(j).accepts(name)) {
                    parts.add(patternSchemas.get(j));
                }
            }
            String p = propertyPtr.getOrDefault(name, ptr + "/required");
            if (parts.isEmpty()) {
                parts.add(otherAllowed ? (additional == null ? NODES.booleanNode(true) : additional)
                        : NODES.booleanNode(false));
                p = ptr + "/additionalProperties";
            }
            JsonNode schema = parts.get(0);
            for (int k = 1; k < parts.size(); k++) {
                schema = merge(schema, parts.get(k), p);
            }
            valueRule[i] = rule(schema, p);
            if (required.contains(name)) {
                requiredBits[i >>> 6] |= 1L << i;
            }
        }
        for (int j = 0; j < patterns; j++) {
            valueRule[literals + j] = rule(patternSchemas.get(j), ptr + "/patternProperties/"
                    + escape(patternKeys.get(j)));
        }
        if (otherAllowed) {
            valueRule[literals + patterns] = additional == null || additional.isBoolean() ? anyValueRule()
                    : rule(additional, ptr + "/additionalProperties");
        }
        int[] keys = keyRules(names, patternKeys, patternDfas, otherAllowed, ptr);
        int minProps = o.has("minProperties") ? count(o, "minProperties", ptr) : 0;
        int maxProps = o.has("maxProperties") ? count(o, "maxProperties", ptr) : -1;
        int id = builder.freshRule(ruleName(ptr) + "-object");
        int lit = literals;
        boolean other = otherAllowed;
        builder.defineMachine(id, mid -> new ObjectMachine(mid, builder.name(mid), keys, lit, patterns, other,
                valueRule, requiredBits, minProps, maxProps));
        return Expr.call(id);
    }

    /**
     * The key rules of an object, one per tag (the literal names, then the patterns, then any other string), with
     * disjoint languages: a pattern's keys exclude the names, "other" excludes names and patterns. Two patterns that
     * share a key would need both schemas at once, which is refused.
     */
    private int[] keyRules(List<String> names, List<String> patternKeys, List<CharDfa> patterns, boolean other,
                           String ptr) {
        int[] rules = new int[names.size() + patterns.size() + (other ? 1 : 0)];
        int t = 0;
        for (String name : names) {
            String text = JsonText.string(name);
            Integer known = shared.get("key:" + text);
            if (known == null) {
                known = builder.freshRule("key");
                shared.put("key:" + text, known);
                builder.define(known, Expr.literal(text));
            }
            rules[t++] = known;
        }
        CharDfa literals = null;
        if (!names.isEmpty()) {
            List<Expr> alts = new ArrayList<>();
            for (String name : names) {
                alts.add(Expr.literal(name));
            }
            literals = CharDfa.of(Expr.alt(alts));
        }
        for (int j = 0; j < patterns.size(); j++) {
            for (int k = j + 1; k < patterns.size(); k++) {
                if (!patterns.get(j).intersect(patterns.get(k)).isEmpty()) {
                    throw new GrammarException(at(ptr + "/patternProperties") + ": patterns \"" + patternKeys.get(j)
                            + "\" and \"" + patternKeys.get(k) + "\" overlap (a key matching both must satisfy each"
                            + " schema), which cannot be enforced");
                }
            }
            CharDfa keys = literals == null ? patterns.get(j) : patterns.get(j).minus(literals);
            int id = builder.freshRule("key-pattern");
            builder.define(id, JsonText.string(keys));
            rules[t++] = id;
        }
        if (other) {
            if (names.isEmpty() && patterns.isEmpty()) {
                rules[t] = stringRule();
            } else {
                CharDfa taken = literals;
                for (CharDfa p : patterns) {
                    taken = taken == null ? p : union(taken, p);
                }
                int id = builder.freshRule("key-other");
                builder.define(id, JsonText.string(taken.complement()));
                rules[t] = id;
            }
        }
        return rules;
    }

    private static CharDfa union(CharDfa a, CharDfa b) {
        return a.complement().intersect(b.complement()).complement();
    }

    // --- oneOf

    /** Refuses a oneOf whose branches might both match one value (it would then be enforced as anyOf). */
    private void checkDisjoint(JsonNode branches, Set<String> parentTypes, String ptr) {
        for (int i = 0; i < branches.size(); i++) {
            for (int j = i + 1; j < branches.size(); j++) {
                if (!disjoint(deref(branches.get(i), ptr), deref(branches.get(j), ptr), parentTypes)) {
                    throw new GrammarException(at(ptr) + ": keyword \"oneOf\" cannot be enforced: branches " + i
                            + " and " + j + " may both match one value");
                }
            }
        }
    }

    private JsonNode deref(JsonNode s, String ptr) {
        for (int hops = 0; s.isObject() && s.has("$ref") && s.size() == 1 && hops < 32; hops++) {
            s = resolve(s.get("$ref").asText(), ptr);
        }
        return s;
    }

    private boolean disjoint(JsonNode a, JsonNode b, Set<String> parentTypes) {
        Set<String> ta = possibleTypes(a);
        Set<String> tb = possibleTypes(b);
        Set<String> common = new LinkedHashSet<>(ta);
        common.retainAll(tb);
        if (ta.contains("number") && tb.contains("integer") || tb.contains("number") && ta.contains("integer")) {
            common.add("integer");
        }
        Set<String> parent = new LinkedHashSet<>(parentTypes);
        if (parent.contains("number")) {
            parent.add("integer");
        }
        common.retainAll(parent);
        if (common.isEmpty()) {
            return true;
        }
        Set<String> va = literalValues(a);
        Set<String> vb = literalValues(b);
        if (va != null && vb != null) {
            Set<String> both = new LinkedHashSet<>(va);
            both.retainAll(vb);
            return both.isEmpty();
        }
        if (common.equals(Set.of("object")) && a.isObject() && b.isObject()) {
            // a property both require with disjoint literal values (a discriminator)
            JsonNode pa = a.path("properties");
            JsonNode pb = b.path("properties");
            for (Iterator<String> it = pa.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (pb.has(name) && requires(a, name) && requires(b, name)) {
                    Set<String> x = literalValues(deref(pa.get(name), ""));
                    Set<String> y = literalValues(deref(pb.get(name), ""));
                    if (x != null && y != null) {
                        Set<String> both = new LinkedHashSet<>(x);
                        both.retainAll(y);
                        if (both.isEmpty()) {
                            return true;
                        }
                    }
                }
            }
            // one closed object cannot hold a property the other requires
            if (closedWithout(a, b) || closedWithout(b, a)) {
                return true;
            }
        }
        return false;
    }

    /** True when {@code a} allows no other properties and {@code b} requires one that {@code a} lacks. */
    private static boolean closedWithout(JsonNode a, JsonNode b) {
        if (!a.path("additionalProperties").isBoolean() || a.path("additionalProperties").booleanValue()
                || a.has("patternProperties")) {
            return false;
        }
        for (JsonNode r : b.path("required")) {
            if (!a.path("properties").has(r.asText())) {
                return true;
            }
        }
        return false;
    }

    private static boolean requires(JsonNode s, String name) {
        for (JsonNode r : s.path("required")) {
            if (r.asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> literalValues(JsonNode s) {
        if (!s.isObject()) {
            return null;
        }
        if (s.has("const")) {
            return Set.of(JsonText.write(s.get("const")));
        }
        if (s.has("enum") && s.get("enum").isArray()) {
            Set<String> out = new LinkedHashSet<>();
            s.get("enum").forEach(v -> out.add(JsonText.write(v)));
            return out;
        }
        return null;
    }

    private Set<String> possibleTypes(JsonNode s) {
        if (s.isBoolean()) {
            return s.booleanValue() ? ALL_TYPES : Set.of();
        }
        Set<String> values = literalValues(s);
        if (values != null) {
            Set<String> out = new LinkedHashSet<>();
            JsonNode e = s.has("const") ? NODES.arrayNode().add(s.get("const")) : s.get("enum");
            e.forEach(v -> out.add(typeOf(v)));
            return out;
        }
        JsonNode t = s.get("type");
        if (t == null) {
            if (s.has("anyOf") || s.has("oneOf")) {
                Set<String> out = new LinkedHashSet<>();
                for (JsonNode x : s.has("anyOf") ? s.get("anyOf") : s.get("oneOf")) {
                    out.addAll(possibleTypes(deref(x, "")));
                }
                return out;
            }
            if (s.has("properties") || s.has("required") || s.has("additionalProperties")) {
                return ALL_TYPES; // the keywords constrain objects only
            }
            return ALL_TYPES;
        }
        Set<String> out = new LinkedHashSet<>();
        if (t.isTextual()) {
            out.add(t.textValue());
        } else {
            t.forEach(x -> out.add(x.asText()));
        }
        return out;
    }

    // --- $ref

    private JsonNode resolve(String ref, String ptr) {
        if (ref.equals("#")) {
            return root;
        }
        if (ref.startsWith("#/")) {
            JsonNode node = root;
            for (String part : ref.substring(2).split("/", -1)) {
                String key = java.net.URLDecoder.decode(part.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8)
                        .replace("~1", "/").replace("~0", "~");
                node = node.isArray() && key.matches("\\d+") ? node.get(Integer.parseInt(key)) : node.get(key);
                if (node == null) {
                    throw new GrammarException(at(ptr + "/$ref") + ": $ref \"" + ref + "\" points to nothing");
                }
            }
            return node;
        }
        if (ref.startsWith("#")) {
            JsonNode anchored = findAnchor(root, ref.substring(1));
            if (anchored != null) {
                return anchored;
            }
        }
        String rootId = root.path("$id").asText(root.path("id").asText(""));
        if (!rootId.isEmpty() && (ref.equals(rootId) || ref.equals(rootId + "#"))) {
            return root;
        }
        throw new GrammarException(at(ptr + "/$ref") + ": $ref \"" + ref
                + "\" cannot be resolved (only references inside the schema, #/..., are supported)");
    }

    private static JsonNode findAnchor(JsonNode node, String name) {
        if (node.isObject()) {
            if (name.equals(node.path("$anchor").asText(null)) || ("#" + name).equals(node.path("$id").asText(null))
                    || ("#" + name).equals(node.path("id").asText(null))) {
                return node;
            }
            for (JsonNode child : node) {
                JsonNode found = findAnchor(child, name);
                if (found != null) {
                    return found;
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                JsonNode found = findAnchor(child, name);
                if (found != null) {
                    return found;
                }
            }
        }
        return null;
    }

    private static String refPointer(String ref) {
        return ref.startsWith("#") ? ref.substring(1) : ref;
    }

    // --- merging (allOf, $ref with siblings, anyOf branches with siblings)

    /** Keywords that do not constrain values. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "default", "examples", "example",
            "$comment", "$schema", "$id", "id", "$defs", "definitions", "readOnly", "writeOnly", "deprecated",
            "contentEncoding", "contentMediaType", "contentSchema", "$anchor", "$vocabulary", "nullable");

    private static boolean constrains(ObjectNode o) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!ANNOTATIONS.contains(k) && isKeyword(k)) {
                return true;
            }
        }
        return false;
    }

    private static final Set<String> KEYWORDS = Set.of("type", "enum", "const", "properties", "required",
            "additionalProperties", "patternProperties", "minProperties", "maxProperties", "items", "prefixItems",
            "additionalItems", "minItems", "maxItems", "uniqueItems", "contains", "minContains", "maxContains",
            "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
            "exclusiveMaximum", "multipleOf", "anyOf", "oneOf", "allOf", "not", "if", "then", "else", "$ref",
            "dependencies", "dependentRequired", "dependentSchemas", "propertyNames", "unevaluatedProperties",
            "unevaluatedItems", "$dynamicRef", "$recursiveRef");

    private static boolean isKeyword(String k) {
        return KEYWORDS.contains(k);
    }

    private JsonNode merge(JsonNode a, JsonNode b, String ptr) {
        if (++mergeDepth > MAX_MERGE_DEPTH) {
            mergeDepth = 0;
            throw new GrammarException(at(ptr) + ": keyword \"allOf\" cannot be enforced: the schemas refer to each"
                    + " other too deeply to be combined");
        }
        try {
            return mergeNodes(a, b, ptr);
        } finally {
            mergeDepth--;
        }
    }

    private JsonNode mergeNodes(JsonNode a, JsonNode b, String ptr) {
        if (a.isBoolean()) {
            return a.booleanValue() ? b : a;
        }
        if (b.isBoolean()) {
            return b.booleanValue() ? a : b;
        }
        if (!a.isObject() || !b.isObject()) {
            throw new GrammarException(at(ptr) + ": a schema must be an object or a boolean");
        }
        ObjectNode x = (ObjectNode) a;
        ObjectNode y = (ObjectNode) b;
        if (x.has("$ref")) {
            return merge(merge(without(x, "$ref"), resolve(x.get("$ref").asText(), ptr), ptr), y, ptr);
        }
        if (y.has("$ref")) {
            return merge(x, merge(without(y, "$ref"), resolve(y.get("$ref").asText(), ptr), ptr), ptr);
        }
        if (y.has("allOf")) {
            JsonNode out = x;
            out = merge(out, without(y, "allOf"), ptr);
            for (int i = 0; i < y.get("allOf").size(); i++) {
                out = merge(out, y.get("allOf").get(i), ptr + "/allOf/" + i);
            }
            return out;
        }
        if (x.has("allOf")) {
            return merge(y, x, ptr);
        }
        ObjectNode out = x.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> it = y.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = e.getKey();
            JsonNode v = e.getValue();
            JsonNode mine = out.get(k);
            if (k.equals("properties") || k.equals("additionalProperties") || k.equals("patternProperties")) {
                continue; // object keywords merge together below
            }
            if (mine == null) {
                out.set(k, v.deepCopy());
                continue;
            }
            if (ANNOTATIONS.contains(k) || !isKeyword(k) || mine.equals(v)) {
                continue;
            }
            switch (k) {
                case "type" -> out.set("type", intersectTypes(mine, v));
                case "required" -> {
                    ArrayNode r = ((ArrayNode) mine).deepCopy();
                    for (JsonNode n : v) {
                        if (!contains(r, n)) {
                            r.add(n);
                        }
                    }
                    out.set("required", r);
                }
                case "enum", "const" -> {
                    ArrayNode left = k.equals("const") ? NODES.arrayNode().add(mine) : (ArrayNode) mine;
                    ArrayNode right = k.equals("const") ? NODES.arrayNode().add(v) : (ArrayNode) v;
                    ArrayNode both = NODES.arrayNode();
                    for (JsonNode n : left) {
                        if (contains(right, n)) {
                            both.add(n);
                        }
                    }
                    out.remove("const");
                    out.set("enum", both);
                }
                case "minimum", "minLength", "minItems", "minProperties" ->
                        out.set(k, mine.decimalValue().compareTo(v.decimalValue()) >= 0 ? mine : v);
                case "maximum", "maxLength", "maxItems", "maxProperties" ->
                        out.set(k, mine.decimalValue().compareTo(v.decimalValue()) <= 0 ? mine : v);
                case "exclusiveMinimum", "exclusiveMaximum" -> {
                    if (mine.isNumber() && v.isNumber()) {
                        boolean min = k.equals("exclusiveMinimum");
                        int c = mine.decimalValue().compareTo(v.decimalValue());
                        out.set(k, (min ? c >= 0 : c <= 0) ? mine : v);
                    } else {
                        throw refusedMerge(ptr, k);
                    }
                }
                case "pattern", "format" -> {
                    ArrayNode both = NODES.arrayNode();
                    for (JsonNode n : new JsonNode[] {mine, v}) {
                        if (n.isArray()) {
                            n.forEach(both::add);
                        } else {
                            both.add(n);
                        }
                    }
                    out.set(k, both);
                }
                case "items" -> {
                    if (mine.isArray() || v.isArray()) {
                        throw refusedMerge(ptr, k);
                    }
                    out.set("items", merge(mine, v, ptr + "/items"));
                }
                case "anyOf", "oneOf" -> {
                    // (A1 | A2) & (B1 | B2) = A1&B1 | A1&B2 | ...
                    ArrayNode product = NODES.arrayNode();
                    for (JsonNode l : mine) {
                        for (JsonNode r : v) {
                            ObjectNode pair = NODES.objectNode();
                            pair.set("allOf", NODES.arrayNode().add(l).add(r));
                            product.add(pair);
                        }
                    }
                    if (product.size() > 64 || k.equals("oneOf")) {
                        throw refusedMerge(ptr, k);
                    }
                    out.set(k, product);
                }
                case "uniqueItems" -> out.set(k, NODES.booleanNode(mine.asBoolean() || v.asBoolean()));
                default -> throw refusedMerge(ptr, k);
            }
        }
        mergeObjectKeywords(x, y, out, ptr);
        return out;
    }

    /** {@code properties}, {@code patternProperties} and {@code additionalProperties} of two schemas combined. */
    private void mergeObjectKeywords(ObjectNode x, ObjectNode y, ObjectNode out, String ptr) {
        boolean xClosed = x.has("additionalProperties") || x.has("patternProperties");
        boolean yClosed = y.has("additionalProperties") || y.has("patternProperties");
        if (xClosed && yClosed && !(x.path("patternProperties").isMissingNode()
                && y.path("patternProperties").isMissingNode())) {
            if (!x.path("patternProperties").equals(y.path("patternProperties"))) {
                throw refusedMerge(ptr, "patternProperties");
            }
        }
        ObjectNode props = NODES.objectNode();
        Set<String> names = new LinkedHashSet<>();
        x.path("properties").fieldNames().forEachRemaining(names::add);
        y.path("properties").fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode px = propertySchema(x, name);
            JsonNode py = propertySchema(y, name);
            props.set(name, merge(px, py, ptr + "/properties/" + escape(name)));
        }
        if (!names.isEmpty()) {
            out.set("properties", props);
        } else {
            out.remove("properties");
        }
        JsonNode ax = x.get("additionalProperties");
        JsonNode ay = y.get("additionalProperties");
        if (ax == null && ay == null) {
            out.remove("additionalProperties");
        } else if (ax == null) {
            out.set("additionalProperties", ay);
        } else if (ay == null) {
            out.set("additionalProperties", ax);
        } else {
            out.set("additionalProperties", merge(ax, ay, ptr + "/additionalProperties"));
        }
        JsonNode patterns = x.has("patternProperties") ? x.get("patternProperties") : y.get("patternProperties");
        if (patterns != null) {
            out.set("patternProperties", patterns);
        } else {
            out.remove("patternProperties");
        }
    }

    /** The schema a property's value has under {@code s}: its own, or additionalProperties', or true. */
    private static JsonNode propertySchema(ObjectNode s, String name) {
        JsonNode p = s.path("properties").get(name);
        if (p != null) {
            return p;
        }
        if (s.has("patternProperties")) {
            // the value may fall under a pattern: only safe to merge when the patterns agree (checked above)
            return NODES.booleanNode(true);
        }
        JsonNode a = s.get("additionalProperties");
        return a == null ? NODES.booleanNode(true) : a;
    }

    private static JsonNode intersectTypes(JsonNode a, JsonNode b) {
        Set<String> ta = new LinkedHashSet<>();
        Set<String> tb = new LinkedHashSet<>();
        if (a.isTextual()) {
            ta.add(a.textValue());
        } else {
            a.forEach(t -> ta.add(t.asText()));
        }
        if (b.isTextual()) {
            tb.add(b.textValue());
        } else {
            b.forEach(t -> tb.add(t.asText()));
        }
        ArrayNode out = NODES.arrayNode();
        for (String t : ta) {
            if (tb.contains(t)) {
                out.add(t);
            } else if (t.equals("integer") && tb.contains("number") || t.equals("number") && tb.contains("integer")) {
                out.add("integer");
            }
        }
        return out;
    }

    private static boolean contains(ArrayNode array, JsonNode value) {
        String text = JsonText.write(value);
        for (JsonNode n : array) {
            if (JsonText.write(n).equals(text)) {
                return true;
            }
        }
        return false;
    }

    private static GrammarException refusedMerge(String ptr, String keyword) {
        return new GrammarException(at(ptr) + ": keyword \"allOf\" cannot be enforced: the \"" + keyword
                + "\" of its schemas cannot be combined");
    }

    private static ObjectNode without(ObjectNode o, String key) {
        ObjectNode copy = o.deepCopy();
        copy.remove(key);
        return copy;
    }

    private static String text(ObjectNode o, String key, String ptr) {
        JsonNode v = o.get(key);
        if (!v.isTextual()) {
            throw new GrammarException(at(ptr + "/" + key) + ": " + key + " must be a string");
        }
        return v.textValue();
    }

    private static String escape(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String kind(JsonNode n) {
        return n.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A JSON pointer as a URI fragment: {@code #/properties/a}. */
    static String at(String ptr) {
        return "#" + ptr;
    }
}
