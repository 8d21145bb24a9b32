package io.remora.util;

/** JSON string literals, for the few places that write JSON by hand (admin, access logs, stats). */
public final class JsonStrings {

    private JsonStrings() {
    }

    /**
     * Appends s as a quoted JSON string, escaping quotes, backslashes and control characters as
     * Envoy's JSON sanitizer does (nlohmann's): JSON's two-character escape where it has one,
     * else the four-hex-digit one.
     */
    public static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
