package io.remora.route;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The header-only operator syntax Envoy still converts before its substitution formatter parses a
 * header value (HeaderParser's translateMetadataFormat and translatePerRequestState, on while the
 * runtime guard remove_legacy_route_formatter is off, its default):
 * {@code %UPSTREAM_METADATA(["ns", "key"])%} becomes {@code %UPSTREAM_METADATA(ns:key)%} (and
 * DYNAMIC_METADATA likewise), {@code %PER_REQUEST_STATE(key)%} becomes
 * {@code %FILTER_STATE(key:PLAIN)%}. Like Envoy's, a JSON argument that is not an array of strings
 * leaves the whole value as it was. Envoy logs a deprecation warning for each conversion;
 * {@link #deprecations} says the same so that translators can warn.
 */
final class LegacyHeaderOperators {

    private static final Pattern METADATA =
            Pattern.compile("%(UPSTREAM|DYNAMIC)_METADATA\\(\\s*(\\[(?:.|\\r?\\n)+?\\]\\s*)\\)%");
    private static final Pattern PER_REQUEST_STATE = Pattern.compile("%PER_REQUEST_STATE\\((.+?)\\)%");

    private LegacyHeaderOperators() {
    }

    static String translate(String value) {
        return translate(value, null);
    }

    /** Envoy's warnings for the legacy syntax in {@code value}, one per conversion; empty when there is none. */
    static List<String> deprecations(String value) {
        List<String> out = new ArrayList<>();
        translate(value, out);
        return out;
    }

    /** {@code warnings}: where to add Envoy's warning for each conversion, or null. */
    private static String translate(String value, List<String> warnings) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        return perRequestState(metadata(value, warnings), warnings);
    }

    private static String metadata(String value, List<String> warnings) {
        String out = value;
        Matcher m = METADATA.matcher(out);
        while (m.find()) {
            List<String> path = stringArray(m.group(2));
            if (path == null || path.isEmpty()) {
                return value;
            }
            String colon = "%" + m.group(1) + "_METADATA(" + String.join(":", path) + ")%";
            if (warnings != null) {
                warnings.add("Header formatter: JSON format of " + m.group(1) + "_METADATA parameters has been"
                        + " obsoleted. Use colon format: " + colon);
            }
            out = out.replace(m.group(), colon);
            m = METADATA.matcher(out);
        }
        return out;
    }

    private static String perRequestState(String value, List<String> warnings) {
        String out = value;
        Matcher m = PER_REQUEST_STATE.matcher(out);
        while (m.find()) {
            String state = "%FILTER_STATE(" + m.group(1) + ":PLAIN)%";
            if (warnings != null) {
                warnings.add("PER_REQUEST_STATE header formatter has been obsoleted. Use " + state);
            }
            out = out.replace(m.group(), state);
            m = PER_REQUEST_STATE.matcher(out);
        }
        return out;
    }

    /** The strings of a JSON array of strings, or null when {@code json} is not one. */
    static List<String> stringArray(String json) {
        int[] at = {skipSpace(json, 0)};
        if (at[0] >= json.length() || json.charAt(at[0]) != '[') {
            return null;
        }
        List<String> out = new ArrayList<>();
        at[0] = skipSpace(json, at[0] + 1);
        if (at[0] < json.length() && json.charAt(at[0]) == ']') {
            return skipSpace(json, at[0] + 1) == json.length() ? out : null;
        }
        while (true) {
            String s = string(json, at);
            if (s == null) {
                return null;
            }
            out.add(s);
            int i = skipSpace(json, at[0]);
            if (i >= json.length()) {
                return null;
            }
            if (json.charAt(i) == ']') {
                return skipSpace(json, i + 1) == json.length() ? out : null;
            }
            if (json.charAt(i) != ',') {
                return null;
            }
            at[0] = skipSpace(json, i + 1);
        }
    }

    /** The JSON string starting at {@code at[0]}, leaving {@code at[0]} after it; null when malformed. */
    private static String string(String json, int[] at) {
        int i = at[0];
        if (i >= json.length() || json.charAt(i) != '"') {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (i++; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '"') {
                at[0] = i + 1;
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= json.length()) {
                return null;
            }
            char e = json.charAt(i);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 >= json.length()) {
                        return null;
                    }
                    try {
                        b.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException bad) {
                        return null;
                    }
                    i += 4;
                }
                default -> {
                    return null;
                }
            }
        }
        return null;
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
