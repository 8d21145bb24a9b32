package io.remora.extensions.filters.http.grpc_json_transcoder;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * grpc-httpjson-transcoding's URL unescaping of bound values ({@code url_unescape_spec}): %XX
 * sequences are decoded unless the spec keeps that character escaped; a malformed sequence stays
 * as sent.
 */
enum UrlUnescaping {
    /** RFC 6570 reserved characters stay escaped (Envoy's default). */
    ALL_CHARACTERS_EXCEPT_RESERVED,
    /** Only %2F stays escaped. */
    ALL_CHARACTERS_EXCEPT_SLASH,
    ALL_CHARACTERS;

    private static final String RESERVED = ":/?#[]@!$&'()*+,;=";

    String unescape(String s, boolean plusAsSpace) {
        if (s.indexOf('%') < 0 && (!plusAsSpace || s.indexOf('+') < 0)) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            int hi = i + 2 < s.length() && c == '%' ? Character.digit(s.charAt(i + 1), 16) : -1;
            int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
            if (lo >= 0 && !keptEscaped((char) (hi << 4 | lo))) {
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c == '+' && plusAsSpace) {
                out.write(' ');
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private boolean keptEscaped(char c) {
        return switch (this) {
            case ALL_CHARACTERS_EXCEPT_RESERVED -> RESERVED.indexOf(c) >= 0;
            case ALL_CHARACTERS_EXCEPT_SLASH -> c == '/';
            case ALL_CHARACTERS -> false;
        };
    }
}
