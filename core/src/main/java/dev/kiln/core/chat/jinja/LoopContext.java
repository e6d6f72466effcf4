package dev.kiln.core.chat.jinja;

import java.util.List;

/** The {@code loop} variable inside {@code {% for %}}: index, index0, revindex, first, last, length, cycle, ... */
final class LoopContext {
    private static final Object NONE = new Object();

    private final List<Object> items;
    private final int depth0;
    /** For {@code recursive} loops: renders the loop body over other items ({@code loop(children)}); else null. */
    final JinjaCallable recurse;
    int index0;
    private Object lastChanged = NONE;

    LoopContext(List<Object> items, int depth0, JinjaCallable recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    Object attribute(String name) {
        int n = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (n - index0);
            case "revindex0" -> (long) (n - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "changed" -> (JinjaCallable) (args, kwargs) -> {
                Object value = args.size() == 1 ? args.getFirst() : new PyTuple(args);
                boolean changed = lastChanged == NONE || !Values.eq(lastChanged, value);
                lastChanged = value;
                return changed;
            };
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 < n - 1 ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaCallable) (args, kwargs) -> {
                if (args.isEmpty()) {
                    throw new TemplateException("no items for cycling given", 0);
                }
                return args.get(index0 % args.size());
            };
            default -> Undefined.attribute(this, name);
        };
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
