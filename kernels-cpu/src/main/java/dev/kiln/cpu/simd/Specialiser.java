package dev.kiln.cpu.simd;

import jdk.incubator.vector.VectorSpecies;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Defines one hidden copy of a kernel class per vector species, with the species as the copy's class data.
 *
 * <p>Why: C2 only turns Vector API calls into SIMD instructions when the species is a constant. A species kept in
 * an instance field is not one, and the vectors get boxed (tens of times slower). A kernel class therefore reads its
 * species once into a {@code static final} field with {@link #species(MethodHandles.Lookup)}; each hidden copy has its
 * own static fields, so every copy is compiled for its own constant species. The class loaded the ordinary way gets
 * {@link Species#preferred()}.
 *
 * <p>A template class must have a public no-argument constructor and must not refer to its own nested classes or
 * lambdas (those would resolve to the ordinary, preferred-species class).
 */
public final class Specialiser {
    private Specialiser() {}

    private record Key(Class<?> template, VectorSpecies<Float> species) {}

    private static final Map<Key, Object> INSTANCES = new ConcurrentHashMap<>();

    /**
     * The species a kernel class was specialised for: its class data if it is a hidden copy, otherwise the preferred
     * species. Call it from the class's static initialiser with {@code MethodHandles.lookup()}.
     */
    @SuppressWarnings("unchecked")
    public static VectorSpecies<Float> species(MethodHandles.Lookup lookup) {
        try {
            VectorSpecies<Float> s = MethodHandles.classData(lookup, "_", VectorSpecies.class);
            return s != null ? s : Species.preferred();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(lookup.lookupClass() + ": no access to its own class data", e);
        }
    }

    /**
     * An instance of {@code template} compiled for {@code species}: the template itself when the species is the
     * preferred one, otherwise a hidden copy (defined once, then cached). {@code lookup} must be a full-privilege
     * lookup in the template's package. A hidden copy is not a subclass of the template, so the result is typed by
     * {@code as}, an interface (or superclass) of the template.
     */
    public static <T> T instance(MethodHandles.Lookup lookup, Class<? extends T> template, Class<T> as,
                                 VectorSpecies<Float> species) {
        if (species.elementType() != float.class) {
            throw new IllegalArgumentException("species: expected a float species, found " + species);
        }
        Object o = INSTANCES.computeIfAbsent(new Key(template, species), k -> define(lookup, template, species));
        return as.cast(o);
    }

    private static Object define(MethodHandles.Lookup lookup, Class<?> template, VectorSpecies<Float> species) {
        try {
            if (species.equals(Species.preferred())) {
                return template.getConstructor().newInstance();
            }
            byte[] bytes;
            String resource = template.getName().substring(template.getName().lastIndexOf('.') + 1) + ".class";
            try (InputStream in = template.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(template + ": class file " + resource + " not found");
                }
                bytes = in.readAllBytes();
            }
            Class<?> copy = lookup.defineHiddenClassWithClassData(bytes, species, true).lookupClass();
            return copy.getConstructor().newInstance();
        } catch (IOException e) {
            throw new UncheckedIOException(template + ": reading its class file", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(template + ": cannot instantiate a copy for " + species, e);
        }
    }
}
