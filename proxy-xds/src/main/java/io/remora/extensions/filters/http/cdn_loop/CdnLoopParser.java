package io.remora.extensions.filters.http.cdn_loop;

import java.util.ArrayList;
import java.util.List;

/**
 * The CDN-Loop header's grammar (RFC 8586): a comma-separated list of {@code cdn-info}, each a
 * {@code cdn-id} (a token or a bracketed IPv6 literal, with an optional {@code :port}) followed by
 * {@code ;name=value} parameters (token or quoted-string values). Empty elements are allowed, as
 * in Envoy's parser; anything else that does not fit is an error.
 */
final class CdnLoopParser {
    private final String s;
    private int i;

    private CdnLoopParser(String s) {
        this.s = s;
    }

    /** The cdn-ids of a header value, in order; IllegalArgumentException when it does not parse. */
    static List<String> cdnIds(String header) {
        CdnLoopParser p = new CdnLoopParser(header);
        List<String> ids = new ArrayList<>();
        p.ows();
        while (!p.end()) {
            if (p.peek() == ',') {
                p.i++;
                p.ows();
                continue;
            }
            ids.add(p.cdnInfo());
            p.ows();
            if (p.end()) {
                break;
            }
            p.expect(',');
            p.ows();
        }
        return ids;
    }

    /** True when the whole of {@code id} is one cdn-id (the filter's {@code cdn_id} must be). */
    static boolean isCdnId(String id) {
        CdnLoopParser p = new CdnLoopParser(id);
        try {
            p.cdnId();
            return p.end();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private String cdnInfo() {
        String id = cdnId();
        ows();
        while (!end() && peek() == ';') {
            i++;
            ows();
            token();
            expect('=');
            if (end()) {
                throw error("token or quoted-string");
            }
            if (peek() == '"') {
                quotedString();
            } else {
                token();
            }
            ows();
        }
        return id;
    }

    private String cdnId() {
        int start = i;
        if (end()) {
            throw error("cdn-id");
        }
        if (peek() == '[') {
            i++;
            while (!end() && (hex(peek()) || peek() == ':' || peek() == '.')) {
                i++;
            }
            expect(']');
        } else {
            token();
        }
        if (!end() && peek() == ':') {
            i++;
            while (!end() && peek() >= '0' && peek() <= '9') {
                i++;
            }
        }
        return s.substring(start, i);
    }

    private void token() {
        int start = i;
        while (!end() && tchar(peek())) {
            i++;
        }
        if (i == start) {
            throw error("token");
        }
    }

    private void quotedString() {
        expect('"');
        while (!end() && peek() != '"') {
            char c = peek();
            if (c == '\\') {
                i++;
                if (end() || !escapable(peek())) {
                    throw error("escapable character");
                }
                i++;
            } else if (c == '\t' || c == ' ' || c == 0x21 || c >= 0x23 && c <= 0x5b || c >= 0x5d && c <= 0x7e
                    || c >= 0x80) {
                i++;
            } else {
                break;
            }
        }
        expect('"');
    }

    private static boolean tchar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-_!#$%&'*+.^`|~".indexOf(c) >= 0;
    }

    /** quoted-pair: HTAB, SP, VCHAR or obs-text after a backslash. */
    private static boolean escapable(char c) {
        return c == '\t' || c == ' ' || c >= 0x21 && c <= 0x7e || c >= 0x80;
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    private void ows() {
        while (!end() && (peek() == ' ' || peek() == '\t')) {
            i++;
        }
    }

    private void expect(char c) {
        if (end() || peek() != c) {
            throw error("'" + c + "'");
        }
        i++;
    }

    private boolean end() {
        return i >= s.length();
    }

    private char peek() {
        return s.charAt(i);
    }

    private IllegalArgumentException error(String expected) {
        return new IllegalArgumentException("expected " + expected + " at position " + i + "; found "
                + (end() ? "end-of-input" : "'" + peek() + "'"));
    }
}
