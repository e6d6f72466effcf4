package dev.kiln.gguf;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * One GGUF metadata value, typed: an integer, a float, a boolean, a string or an array. Integers keep
 * their declared {@link ValueType} so that a file can be written back exactly; an unsigned 64-bit value
 * above {@link Long#MAX_VALUE} is stored as its raw bits and rejected by the signed accessors.
 */
public sealed interface MetadataValue
        permits MetadataValue.IntValue, MetadataValue.FloatValue, MetadataValue.BoolValue,
                MetadataValue.StringValue, MetadataValue.ArrayValue {

    /** The declared type of this value. */
    ValueType type();

    /** A short human-readable rendering; arrays show at most {@code maxElements} elements. */
    String display(int maxElements);

    static IntValue of(ValueType type, long bits) {
        return new IntValue(type, bits);
    }

    static StringValue of(String value) {
        return new StringValue(value);
    }

    /** An integer of one of the eight integer types; {@code bits} holds the value (zero-extended if unsigned). */
    record IntValue(ValueType type, long bits) implements MetadataValue {
        public IntValue {
            if (!type.isInteger()) {
                throw new IllegalArgumentException(type + " is not an integer type");
            }
        }

        /** True if the value is a UINT64 above {@link Long#MAX_VALUE}, which a signed long cannot hold. */
        public boolean exceedsLong() {
            return type == ValueType.UINT64 && bits < 0;
        }

        @Override
        public String display(int maxElements) {
            return type == ValueType.UINT64 ? Long.toUnsignedString(bits) : Long.toString(bits);
        }
    }

    /** A FLOAT32 or FLOAT64 value. */
    record FloatValue(ValueType type, double value) implements MetadataValue {
        public FloatValue {
            if (!type.isFloat()) {
                throw new IllegalArgumentException(type + " is not a float type");
            }
        }

        @Override
        public String display(int maxElements) {
            return type == ValueType.FLOAT32 ? Float.toString((float) value) : Double.toString(value);
        }
    }

    record BoolValue(boolean value) implements MetadataValue {
        @Override
        public ValueType type() {
            return ValueType.BOOL;
        }

        @Override
        public String display(int maxElements) {
            return Boolean.toString(value);
        }
    }

    record StringValue(String value) implements MetadataValue {
        public StringValue {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public ValueType type() {
            return ValueType.STRING;
        }

        @Override
        public String display(int maxElements) {
            return quote(value, 200);
        }
    }

    /**
     * An array of values of one element type. Elements are held in a primitive array matching the element
     * type (long for integers, double for floats, boolean, String, or nested arrays), never boxed, and are
     * read through the accessor for that kind; asking for another kind throws.
     */
    final class ArrayValue implements MetadataValue {
        private final ValueType elementType;
        private final long[] longs;
        private final double[] doubles;
        private final boolean[] booleans;
        private final String[] strings;
        private final ArrayValue[] arrays;
        private final int size;

        private ArrayValue(ValueType elementType, long[] longs, double[] doubles, boolean[] booleans,
                           String[] strings, ArrayValue[] arrays, int size) {
            this.elementType = elementType;
            this.longs = longs;
            this.doubles = doubles;
            this.booleans = booleans;
            this.strings = strings;
            this.arrays = arrays;
            this.size = size;
        }

        /** An integer array of the given element type; the values are copied. */
        public static ArrayValue ofIntegers(ValueType elementType, long[] values) {
            if (!elementType.isInteger()) {
                throw new IllegalArgumentException(elementType + " is not an integer type");
            }
            return new ArrayValue(elementType, values.clone(), null, null, null, null, values.length);
        }

        public static ArrayValue ofInts(int[] values) {
            return new ArrayValue(ValueType.INT32, Arrays.stream(values).asLongStream().toArray(),
                    null, null, null, null, values.length);
        }

        /** A float array (FLOAT32 or FLOAT64); the values are copied. */
        public static ArrayValue ofFloats(ValueType elementType, double[] values) {
            if (!elementType.isFloat()) {
                throw new IllegalArgumentException(elementType + " is not a float type");
            }
            return new ArrayValue(elementType, null, values.clone(), null, null, null, values.length);
        }

        public static ArrayValue ofFloats(float[] values) {
            double[] widened = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                widened[i] = values[i];
            }
            return new ArrayValue(ValueType.FLOAT32, null, widened, null, null, null, values.length);
        }

        public static ArrayValue ofBooleans(boolean[] values) {
            return new ArrayValue(ValueType.BOOL, null, null, values.clone(), null, null, values.length);
        }

        public static ArrayValue ofStrings(List<String> values) {
            String[] copy = values.toArray(String[]::new);
            for (String s : copy) {
                Objects.requireNonNull(s, "array element");
            }
            return new ArrayValue(ValueType.STRING, null, null, null, copy, null, copy.length);
        }

        /** An array of arrays (GGUF allows nesting to any depth). */
        public static ArrayValue ofArrays(List<ArrayValue> values) {
            ArrayValue[] copy = values.toArray(ArrayValue[]::new);
            return new ArrayValue(ValueType.ARRAY, null, null, null, null, copy, copy.length);
        }

        /** Wraps arrays the reader has just filled; they are not copied (the reader never keeps them). */
        static ArrayValue adopt(ValueType elementType, long[] longs, double[] doubles, boolean[] booleans,
                                String[] strings, ArrayValue[] arrays, int size) {
            return new ArrayValue(elementType, longs, doubles, booleans, strings, arrays, size);
        }

        @Override
        public ValueType type() {
            return ValueType.ARRAY;
        }

        public ValueType elementType() {
            return elementType;
        }

        public int size() {
            return size;
        }

        /** Element {@code i} of an integer array (raw bits for UINT64). */
        public long longAt(int i) {
            require(longs, "integer");
            return longs[i];
        }

        /** Element {@code i} of a float array. */
        public double doubleAt(int i) {
            require(doubles, "float");
            return doubles[i];
        }

        public boolean booleanAt(int i) {
            require(booleans, "boolean");
            return booleans[i];
        }

        public String stringAt(int i) {
            require(strings, "string");
            return strings[i];
        }

        public ArrayValue arrayAt(int i) {
            require(arrays, "array");
            return arrays[i];
        }

        /** The elements of a string array, as an unmodifiable list (no copy). */
        public List<String> strings() {
            require(strings, "string");
            return Collections.unmodifiableList(Arrays.asList(strings));
        }

        /** A copy of the elements of an integer array. */
        public long[] toLongArray() {
            require(longs, "integer");
            return longs.clone();
        }

        /** A copy of the elements of a float array, or of an integer array converted to double. */
        public double[] toDoubleArray() {
            if (doubles != null) {
                return doubles.clone();
            }
            require(longs, "float");
            double[] out = new double[size];
            for (int i = 0; i < size; i++) {
                out[i] = longs[i];
            }
            return out;
        }

        public boolean[] toBooleanArray() {
            require(booleans, "boolean");
            return booleans.clone();
        }

        /** True if the elements are integers, floats, booleans, strings or arrays respectively. */
        public boolean holdsIntegers() {
            return longs != null;
        }

        public boolean holdsFloats() {
            return doubles != null;
        }

        private void require(Object storage, String kind) {
            if (storage == null) {
                throw new IllegalStateException("array of " + elementType + " holds no " + kind + " elements");
            }
        }

        @Override
        public String display(int maxElements) {
            StringJoiner joined = new StringJoiner(", ", "[", "]");
            int shown = Math.min(size, maxElements);
            for (int i = 0; i < shown; i++) {
                joined.add(elementDisplay(i, maxElements));
            }
            if (shown < size) {
                joined.add("... (" + size + " " + elementType + ")");
            }
            return joined.toString();
        }

        private String elementDisplay(int i, int maxElements) {
            if (longs != null) {
                return elementType == ValueType.UINT64 ? Long.toUnsignedString(longs[i]) : Long.toString(longs[i]);
            }
            if (doubles != null) {
                return elementType == ValueType.FLOAT32 ? Float.toString((float) doubles[i]) : Double.toString(doubles[i]);
            }
            if (booleans != null) {
                return Boolean.toString(booleans[i]);
            }
            if (strings != null) {
                return quote(strings[i], 40);
            }
            return arrays[i].display(maxElements);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ArrayValue other && elementType == other.elementType && size == other.size
                    && Arrays.equals(longs, other.longs) && Arrays.equals(doubles, other.doubles)
                    && Arrays.equals(booleans, other.booleans) && Arrays.equals(strings, other.strings)
                    && Arrays.equals(arrays, other.arrays);
        }

        @Override
        public int hashCode() {
            return Objects.hash(elementType, size, Arrays.hashCode(longs), Arrays.hashCode(doubles),
                    Arrays.hashCode(strings), Arrays.hashCode(arrays));
        }

        @Override
        public String toString() {
            return display(8);
        }
    }

    private static String quote(String s, int maxChars) {
        String shown = s.length() > maxChars ? s.substring(0, maxChars) + "..." : s;
        StringBuilder out = new StringBuilder(shown.length() + 2).append('"');
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
