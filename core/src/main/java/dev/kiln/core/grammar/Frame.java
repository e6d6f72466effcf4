package dev.kiln.core.grammar;

/**
 * One entry of a matcher stack: a rule's machine and the state it is in (for a frame below the top, the state to
 * return to). Immutable and shared: stacks are linked lists that share their bottoms.
 */
final class Frame {

    final Machine machine;
    final int state;
    final Frame parent;   // null at the bottom of the stack
    final int depth;
    private final int hash;

    Frame(Machine machine, int state, Frame parent) {
        this.machine = machine;
        this.state = state;
        this.parent = parent;
        this.depth = parent == null ? 1 : parent.depth + 1;
        this.hash = (parent == null ? 17 : parent.hash * 31) + machine.id * 1_000_003 + state * 7919;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Frame f) || f.hash != hash) {
            return false;
        }
        Frame a = this;
        Frame b = f;
        while (a != b) {
            if (a == null || b == null || a.machine != b.machine || a.state != b.state || a.hash != b.hash) {
                return false;
            }
            a = a.parent;
            b = b.parent;
        }
        return true;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Frame f = this; f != null; f = f.parent) {
            s.append(f.machine.name()).append('@').append(f.state);
            if (f.parent != null) {
                s.append(" < ");
            }
        }
        return s.toString();
    }
}
