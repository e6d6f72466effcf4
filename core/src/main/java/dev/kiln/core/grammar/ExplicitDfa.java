package dev.kiln.core.grammar;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link DfaMachine} from a state graph given as a function (states are any values with equals/hashCode),
 * by exploring it breadth-first from the start. Used for automata that are easier to describe than to write as an
 * expression, such as the digits of numbers within a range.
 */
final class ExplicitDfa {

    /** The graph: a start state, successors per byte (null: none) and the accepting states. */
    interface Graph<S> {
        S start();

        S next(S state, int b);

        boolean accepting(S state);
    }

    private ExplicitDfa() {
    }

    static <S> DfaMachine build(int id, String name, Graph<S> graph) {
        Map<S, Integer> index = new HashMap<>();
        List<S> states = new ArrayList<>();
        index.put(graph.start(), 0);
        states.add(graph.start());
        Nfa.IntList next = new Nfa.IntList();
        for (int i = 0; i < states.size(); i++) {
            S s = states.get(i);
            for (int b = 0; b < 256; b++) {
                S t = graph.next(s, b);
                if (t == null) {
                    next.add(-1);
                    continue;
                }
                Integer known = index.get(t);
                if (known == null) {
                    if (states.size() >= Nfa.MAX_DFA_STATES) {
                        throw new GrammarException("rule " + name + " is too large (over " + Nfa.MAX_DFA_STATES
                                + " states)");
                    }
                    known = states.size();
                    index.put(t, known);
                    states.add(t);
                }
                next.add(known);
            }
        }
        byte[] classOf = new byte[256];
        // one class per byte value is simplest; compress equal columns to keep the table small
        int[] table = next.toArray();
        int n = states.size();
        Map<String, Integer> columns = new HashMap<>();
        int[] classOfByte = new int[256];
        List<Integer> representative = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            StringBuilder key = new StringBuilder();
            for (int s = 0; s < n; s++) {
                key.append(table[s * 256 + b]).append(',');
            }
            Integer c = columns.get(key.toString());
            if (c == null) {
                c = representative.size();
                columns.put(key.toString(), c);
                representative.add(b);
            }
            classOfByte[b] = c;
        }
        int classes = representative.size();
        if (classes > 127) {
            throw new GrammarException("rule " + name + " has too many byte classes");
        }
        int[] compact = new int[n * classes];
        for (int s = 0; s < n; s++) {
            for (int c = 0; c < classes; c++) {
                compact[s * classes + c] = table[s * 256 + representative.get(c)];
            }
        }
        for (int b = 0; b < 256; b++) {
            classOf[b] = (byte) classOfByte[b];
        }
        int[][] calls = new int[n][0];
        boolean[] accepting = new boolean[n];
        for (int s = 0; s < n; s++) {
            accepting[s] = graph.accepting(states.get(s));
        }
        return new DfaMachine(id, name, classOf, classes, compact, calls, accepting);
    }
}
