package dev.kiln.core.chat.jinja;

import java.util.AbstractList;
import java.util.List;

/** An immutable Python tuple: {@code (a, b)} literals, {@code dict.items()} pairs. Not equal to a list. */
final class PyTuple extends AbstractList<Object> {
    private final Object[] items;

    PyTuple(List<?> items) {
        this.items = items.toArray();
    }

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
