package dev.kiln.core.chat.jinja;

import org.junit.jupiter.api.Test;

import java.time.LocalDateTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A template comes from a model file: hostile or broken ones fail with a clear error instead of hanging or crashing. */
class TemplateLimitsTest {
    private static String render(String template) {
        return Template.parse(template).render(Map.of(), LocalDateTime.of(2026, 1, 15, 12, 0));
    }

    @Test
    void hugeRepetitionIsRefused() {
        TemplateException e = assertThrows(TemplateException.class, () -> render("{{ 'x' * 1000000000 }}"));
        assertTrue(e.getMessage().contains("too large"), e.getMessage());
        assertEquals("xxx", render("{{ 'x' * 3 }}"));
        assertEquals("[1, 1]", render("{{ 2 * [1] }}"));
    }

    @Test
    void hugePowersAndRangesAreRefused() {
        assertThrows(TemplateException.class, () -> render("{{ 2 ** 100000000 }}"));
        assertThrows(TemplateException.class, () -> render("{% for i in range(1000000000) %}{% endfor %}"));
        assertEquals("1024", render("{{ 2 ** 10 }}"));
    }

    @Test
    void endlessRecursionIsAnError() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
        assertTrue(e.getMessage().contains("recursion"), e.getMessage());
    }

    @Test
    void unsupportedAndMutatingConstructsFailClearly() {
        TemplateException include = assertThrows(TemplateException.class, () -> render("{% include 'other.jinja' %}"));
        assertTrue(include.getMessage().contains("unknown tag 'include'"), include.getMessage());
        TemplateException append = assertThrows(TemplateException.class,
                () -> render("{% set l = [] %}{{ l.append(1) }}"));
        assertTrue(append.getMessage().contains("unsafe"), append.getMessage());
    }
}
