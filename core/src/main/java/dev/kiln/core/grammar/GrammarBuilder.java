package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Collects named rules (an {@link Expr} each, or a ready-made {@link Machine}) and compiles them into a
 * {@link Grammar}: every rule is determinized, the fewest bytes to finish each state is computed, and grammars that
 * can never end or recurse on the left (which would make the matcher's stacks grow without consuming input) are
 * refused.
 */
public final class GrammarBuilder {

    private final List<String> names = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<Expr> bodies = new ArrayList<>();
    private final List<IntFunction<Machine>> machines = new ArrayList<>();

    /** The id of rule {@code name}, declaring it if new. */
    public int rule(String name) {
        Integer id = ids.get(name);
        if (id != null) {
            return id;
        }
        ids.put(name, names.size());
        names.add(name);
        bodies.add(null);
        machines.add(null);
        return names.size() - 1;
    }

    /** A new rule with a name made unique from {@code base}. */
    public int freshRule(String base) {
        String name = base;
        for (int k = 2; ids.containsKey(name); k++) {
            name = base + "-" + k;
        }
        return rule(name);
    }

    public boolean isDefined(int id) {
        return bodies.get(id) != null || machines.get(id) != null;
    }

    public boolean has(String name) {
        return ids.containsKey(name);
    }

    public String name(int id) {
        return names.get(id);
    }

    public void define(int id, Expr body) {
        bodies.set(id, body);
    }

    /** Defines rule {@code id} by a machine made from its id. */
    void defineMachine(int id, IntFunction<Machine> factory) {
        machines.set(id, factory);
    }

    public int size() {
        return names.size();
    }

    public Grammar build(int root, String description) {
        // compiling a rule may declare more (shared character rules of string automata): loop until none is new
        List<Machine> made = new ArrayList<>();
        for (int id = 0; id < names.size(); id++) {
            if (machines.get(id) != null) {
                made.add(machines.get(id).apply(id));
            } else if (bodies.get(id) != null) {
                Nfa nfa = new Nfa(names.get(id));
                int start = nfa.newState();
                int accept = nfa.newState();
                nfa.build(bodies.get(id), start, accept);
                made.add(nfa.determinize(id, names.get(id), start, accept));
            } else {
                throw new GrammarException("rule " + names.get(id) + " is used but never defined");
            }
        }
        Machine[] compiled = made.toArray(Machine[]::new);
        // fewest bytes to finish, to a fixed point (calls make the machines depend on each other)
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Machine m : compiled) {
                changed |= m.relaxMinLength(compiled);
            }
        }
        for (Machine m : compiled) {
            if (m instanceof ObjectMachine object) {
                object.freeze();
            }
        }
        if (compiled[root].minLength(0) >= Machine.UNREACHABLE) {
            throw new GrammarException("the grammar can never end: rule " + names.get(root)
                    + " matches no complete text");
        }
        checkLeftRecursion(compiled, root);
        return new Grammar(compiled, root, description);
    }

    /** Refuses a rule that can call itself before consuming a byte. */
    private static void checkLeftRecursion(Machine[] machines, int root) {
        // left[m]: the callees m may call before consuming anything
        List<Set<Integer>> left = new ArrayList<>();
        for (Machine m : machines) {
            Set<Integer> callees = new LinkedHashSet<>();
            Set<Integer> seen = new java.util.HashSet<>();
            Deque<Integer> work = new ArrayDeque<>();
            work.add(0);
            seen.add(0);
            while (!work.isEmpty()) {
                int s = work.poll();
                int[] calls = m.calls(s);
                for (int k = 0; k < calls.length; k += 2) {
                    Machine callee = machines[calls[k]];
                    if (callee.minLength(0) >= Machine.UNREACHABLE) {
                        continue;
                    }
                    callees.add(calls[k]);
                    if (callee.minLength(0) == 0 && seen.add(calls[k + 1])) {
                        work.add(calls[k + 1]);
                    }
                }
            }
            left.add(callees);
        }
        int[] color = new int[machines.length];
        for (int m = 0; m < machines.length; m++) {
            Deque<Integer> path = new ArrayDeque<>();
            findCycle(m, left, color, path, machines);
        }
    }

    private static void findCycle(int m, List<Set<Integer>> left, int[] color, Deque<Integer> path,
                                  Machine[] machines) {
        if (color[m] == 2) {
            return;
        }
        if (color[m] == 1) {
            StringBuilder cycle = new StringBuilder();
            boolean on = false;
            for (var it = path.descendingIterator(); it.hasNext(); ) {
                int r = it.next();
                on |= r == m;
                if (on) {
                    cycle.append(machines[r].name()).append(" -> ");
                }
            }
            throw new GrammarException("left recursion: " + cycle + machines[m].name()
                    + " (a rule reaches itself without consuming input; rewrite it with repetition)");
        }
        color[m] = 1;
        path.push(m);
        for (int c : left.get(m)) {
            findCycle(c, left, color, path, machines);
        }
        path.pop();
        color[m] = 2;
    }
}
