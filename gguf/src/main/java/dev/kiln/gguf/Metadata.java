package dev.kiln.gguf;

import dev.kiln.gguf.MetadataValue.ArrayValue;
import dev.kiln.gguf.MetadataValue.BoolValue;
import dev.kiln.gguf.MetadataValue.FloatValue;
import dev.kiln.gguf.MetadataValue.IntValue;
import dev.kiln.gguf.MetadataValue.StringValue;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The key-value metadata of a GGUF file: a typed, immutable view in file order. Getters convert between
 * compatible types (any integer type that fits, an integer where a float is asked for) and throw
 * {@link GgufFormatException} naming the key, the byte offset of its value and the type found when the value
 * is missing or of another kind; {@code find*} variants return empty instead when the key is absent.
 */
public final class Metadata {
    private record Entry(MetadataValue value, long offsetBytes) {}

    private final Map<String, Entry> entries;

    private Metadata(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** A builder for metadata written by {@link GgufWriter} (tests, synthetic models). */
    public static Builder builder() {
        return new Builder();
    }

    /** The keys, in file order. */
    public Set<String> keys() {
        return entries.keySet();
    }

    public int size() {
        return entries.size();
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Optional<MetadataValue> find(String key) {
        Entry e = entries.get(key);
        return e == null ? Optional.empty() : Optional.of(e.value);
    }

    /** The value stored under {@code key}. */
    public MetadataValue get(String key) {
        return entry(key).value;
    }

    /** The byte offset of the key-value pair {@code key} in the file (-1 for metadata that was not read from a file). */
    public long offsetOf(String key) {
        return entry(key).offsetBytes;
    }

    // ---- scalars -------------------------------------------------------------------------------------------

    public int getInt(String key) {
        long v = getLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw error(key, "expected a value that fits in a 32-bit int, found " + v);
        }
        return (int) v;
    }

    public long getLong(String key) {
        Entry e = entry(key);
        if (e.value instanceof IntValue i) {
            if (i.exceedsLong()) {
                throw error(key, "expected a value that fits in a signed 64-bit long, found " + i.display(1));
            }
            return i.bits();
        }
        throw wrongType(key, e, "an integer");
    }

    public float getFloat(String key) {
        return (float) getDouble(key);
    }

    public double getDouble(String key) {
        Entry e = entry(key);
        return switch (e.value) {
            case FloatValue f -> f.value();
            case IntValue i when !i.exceedsLong() -> i.bits();
            default -> throw wrongType(key, e, "a number");
        };
    }

    public boolean getBoolean(String key) {
        Entry e = entry(key);
        if (e.value instanceof BoolValue b) {
            return b.value();
        }
        throw wrongType(key, e, "a boolean");
    }

    public String getString(String key) {
        Entry e = entry(key);
        if (e.value instanceof StringValue s) {
            return s.value();
        }
        throw wrongType(key, e, "a string");
    }

    public OptionalInt findInt(String key) {
        return contains(key) ? OptionalInt.of(getInt(key)) : OptionalInt.empty();
    }

    public OptionalLong findLong(String key) {
        return contains(key) ? OptionalLong.of(getLong(key)) : OptionalLong.empty();
    }

    public OptionalDouble findDouble(String key) {
        return contains(key) ? OptionalDouble.of(getDouble(key)) : OptionalDouble.empty();
    }

    public Optional<Float> findFloat(String key) {
        return contains(key) ? Optional.of(getFloat(key)) : Optional.empty();
    }

    public Optional<Boolean> findBoolean(String key) {
        return contains(key) ? Optional.of(getBoolean(key)) : Optional.empty();
    }

    public Optional<String> findString(String key) {
        return contains(key) ? Optional.of(getString(key)) : Optional.empty();
    }

    // ---- arrays --------------------------------------------------------------------------------------------

    /** The array stored under {@code key}. */
    public ArrayValue getArray(String key) {
        Entry e = entry(key);
        if (e.value instanceof ArrayValue a) {
            return a;
        }
        throw wrongType(key, e, "an array");
    }

    public Optional<ArrayValue> findArray(String key) {
        return contains(key) ? Optional.of(getArray(key)) : Optional.empty();
    }

    /** A string array as an unmodifiable list. */
    public List<String> getStrings(String key) {
        ArrayValue a = getArray(key);
        if (a.elementType() != ValueType.STRING) {
            throw wrongElementType(key, a, "strings");
        }
        return a.strings();
    }

    /** A float (or integer) array, converted to float. */
    public float[] getFloats(String key) {
        ArrayValue a = getArray(key);
        if (!a.holdsFloats() && !a.holdsIntegers()) {
            throw wrongElementType(key, a, "numbers");
        }
        double[] d = a.toDoubleArray();
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) d[i];
        }
        return out;
    }

    /** An integer array whose values all fit in an int. */
    public int[] getInts(String key) {
        long[] longs = getLongs(key);
        int[] out = new int[longs.length];
        for (int i = 0; i < longs.length; i++) {
            if (longs[i] < Integer.MIN_VALUE || longs[i] > Integer.MAX_VALUE) {
                throw error(key, "element " + i + ": expected a value that fits in a 32-bit int, found " + longs[i]);
            }
            out[i] = (int) longs[i];
        }
        return out;
    }

    /** An integer array (raw bits for UINT64 elements). */
    public long[] getLongs(String key) {
        ArrayValue a = getArray(key);
        if (!a.holdsIntegers()) {
            throw wrongElementType(key, a, "integers");
        }
        return a.toLongArray();
    }

    // ---- errors --------------------------------------------------------------------------------------------

    private Entry entry(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new GgufFormatException(-1, "missing metadata key '" + key + "'");
        }
        return e;
    }

    private GgufFormatException error(String key, String message) {
        return new GgufFormatException(entries.get(key).offsetBytes, "metadata key '" + key + "': " + message);
    }

    private GgufFormatException wrongType(String key, Entry e, String expected) {
        return error(key, "expected " + expected + ", found " + e.value.type() + " " + e.value.display(3));
    }

    private GgufFormatException wrongElementType(String key, ArrayValue a, String expected) {
        return error(key, "expected an array of " + expected + ", found an array of " + a.elementType());
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        entries.forEach((k, e) -> out.append(k).append(" = ").append(e.value.display(8)).append('\n'));
        return out.toString();
    }

    /** Collects values in insertion order. Putting a key twice is an error, as it is in a file. */
    public static final class Builder {
        private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

        private Builder() {}

        /** Used by the reader: rejects a duplicate key with the offset of the second one. */
        Builder put(String key, MetadataValue value, long offsetBytes) {
            Entry previous = entries.putIfAbsent(key, new Entry(value, offsetBytes));
            if (previous != null) {
                throw new GgufFormatException(offsetBytes, "duplicate metadata key '" + key
                        + "' (first defined at byte " + previous.offsetBytes + ")");
            }
            return this;
        }

        public Builder put(String key, MetadataValue value) {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("metadata key must not be empty");
            }
            if (entries.containsKey(key)) {
                throw new IllegalArgumentException("duplicate metadata key '" + key + "'");
            }
            entries.put(key, new Entry(value, -1));
            return this;
        }

        /** Adds or replaces a value (for tools that derive one file's metadata from another's). */
        public Builder set(String key, MetadataValue value) {
            entries.put(key, new Entry(value, -1));
            return this;
        }

        public Builder remove(String key) {
            entries.remove(key);
            return this;
        }

        /** Copies every entry of {@code other}, in its order. */
        public Builder putAll(Metadata other) {
            other.entries.forEach((k, e) -> put(k, e.value));
            return this;
        }

        public Builder putString(String key, String value) {
            return put(key, new StringValue(value));
        }

        public Builder putUint32(String key, long value) {
            if (value < 0 || value > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException(key + ": " + value + " is not a u32");
            }
            return put(key, new IntValue(ValueType.UINT32, value));
        }

        public Builder putInt32(String key, int value) {
            return put(key, new IntValue(ValueType.INT32, value));
        }

        public Builder putUint64(String key, long value) {
            return put(key, new IntValue(ValueType.UINT64, value));
        }

        public Builder putFloat32(String key, float value) {
            return put(key, new FloatValue(ValueType.FLOAT32, value));
        }

        public Builder putBool(String key, boolean value) {
            return put(key, new BoolValue(value));
        }

        public Builder putStrings(String key, List<String> values) {
            return put(key, ArrayValue.ofStrings(values));
        }

        public Builder putFloats(String key, float[] values) {
            return put(key, ArrayValue.ofFloats(values));
        }

        public Builder putInts(String key, int[] values) {
            return put(key, ArrayValue.ofInts(values));
        }

        public boolean contains(String key) {
            return entries.containsKey(key);
        }

        public Metadata build() {
            return new Metadata(new LinkedHashMap<>(entries));
        }
    }
}
