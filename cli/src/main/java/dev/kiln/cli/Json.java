package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kiln.gguf.MetadataValue;
import dev.kiln.gguf.ValueType;

/** GGUF metadata values as Jackson nodes. */
final class Json {
    private Json() {}

    static JsonNode value(MetadataValue value) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (value) {
            case MetadataValue.IntValue i -> i.exceedsLong()
                    ? f.numberNode(new java.math.BigInteger(Long.toUnsignedString(i.bits()))) : f.numberNode(i.bits());
            case MetadataValue.FloatValue d -> d.type() == ValueType.FLOAT32
                    ? f.numberNode((float) d.value()) : f.numberNode(d.value());
            case MetadataValue.BoolValue b -> f.booleanNode(b.value());
            case MetadataValue.StringValue s -> f.textNode(s.value());
            case MetadataValue.ArrayValue a -> {
                ArrayNode array = f.arrayNode(a.size());
                for (int i = 0; i < a.size(); i++) {
                    array.add(switch (a.elementType()) {
                        case STRING -> f.textNode(a.stringAt(i));
                        case BOOL -> f.booleanNode(a.booleanAt(i));
                        case FLOAT32 -> f.numberNode((float) a.doubleAt(i));
                        case FLOAT64 -> f.numberNode(a.doubleAt(i));
                        case ARRAY -> value(a.arrayAt(i));
                        case UINT64 -> a.longAt(i) < 0
                                ? f.numberNode(new java.math.BigInteger(Long.toUnsignedString(a.longAt(i))))
                                : f.numberNode(a.longAt(i));
                        default -> f.numberNode(a.longAt(i));
                    });
                }
                yield array;
            }
        };
    }
}
