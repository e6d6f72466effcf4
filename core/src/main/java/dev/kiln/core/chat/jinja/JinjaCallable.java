package dev.kiln.core.chat.jinja;

import java.util.List;
import java.util.Map;

/** Anything a template can call: global functions, macros, bound string/dict/list methods, {@code loop.cycle}. */
@FunctionalInterface
interface JinjaCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
