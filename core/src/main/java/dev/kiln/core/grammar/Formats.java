package dev.kiln.core.grammar;

import java.util.Map;

/**
 * The string formats of JSON Schema that are enforced, as anchored patterns (their strictest common reading:
 * RFC 3339 dates and times with real month lengths and leap years, RFC 4122 UUIDs, RFC 3986 absolute URIs...).
 * Other standard formats are refused; non-standard ones ({@code int32}, {@code byte}...) are annotations and ignored.
 */
final class Formats {

    private Formats() {
    }

    private static final String YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])";
    private static final String LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)";
    private static final String DATE = "(" + YEAR + "-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
            + "|" + YEAR + "-(0[469]|11)-(0[1-9]|[12][0-9]|30)"
            + "|" + YEAR + "-02-(0[1-9]|1[0-9]|2[0-8])"
            + "|" + LEAP_YEAR + "-02-29)";
    private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?"
            + "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String IPV4 = OCTET + "(\\." + OCTET + "){3}";
    private static final String H16 = "[0-9A-Fa-f]{1,4}";
    private static final String LS32 = "(" + H16 + ":" + H16 + "|" + IPV4 + ")";
    private static final String IPV6 = "((" + H16 + ":){6}" + LS32
            + "|::(" + H16 + ":){5}" + LS32
            + "|(" + H16 + ")?::(" + H16 + ":){4}" + LS32
            + "|((" + H16 + ":){0,1}" + H16 + ")?::(" + H16 + ":){3}" + LS32
            + "|((" + H16 + ":){0,2}" + H16 + ")?::(" + H16 + ":){2}" + LS32
            + "|((" + H16 + ":){0,3}" + H16 + ")?::" + H16 + ":" + LS32
            + "|((" + H16 + ":){0,4}" + H16 + ")?::" + LS32
            + "|((" + H16 + ":){0,5}" + H16 + ")?::" + H16
            + "|((" + H16 + ":){0,6}" + H16 + ")?::)";
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final String URI_CHAR = "[A-Za-z0-9._~:/?#\\[\\]@!$&'()*+,;=%-]";
    private static final String ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";

    private static final Map<String, String> PATTERNS = Map.of(
            "date", "^" + DATE + "$",
            "time", "^" + TIME + "$",
            "date-time", "^" + DATE + "[Tt]" + TIME + "$",
            "uuid", "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
            "email", "^" + ATEXT + "+(\\." + ATEXT + "+)*@" + LABEL + "(\\." + LABEL + ")*$",
            "uri", "^[A-Za-z][A-Za-z0-9+.-]*:" + URI_CHAR + "*$",
            "uri-reference", "^" + URI_CHAR + "*$",
            "ipv4", "^" + IPV4 + "$",
            "ipv6", "^" + IPV6 + "$",
            "hostname", "^" + LABEL + "(\\." + LABEL + ")*$");

    /** Standard formats a validator may check that are not enforced here: refused rather than ignored. */
    private static final java.util.Set<String> REFUSED = java.util.Set.of("idn-email", "idn-hostname", "iri",
            "iri-reference", "regex", "json-pointer", "relative-json-pointer", "uri-template", "duration");

    /** The pattern of a format, null when the format is an annotation only. */
    static String pattern(String format, String where) {
        String p = PATTERNS.get(format);
        if (p == null && REFUSED.contains(format)) {
            throw new GrammarException(where + ": format \"" + format + "\" cannot be enforced");
        }
        return p;
    }
}
