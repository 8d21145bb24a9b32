package io.remora.http;

import io.netty.util.AsciiString;

/**
 * The request-target syntax Envoy's HTTP/1 codec accepts: BalsaParser's isUrlValid (the
 * http-parser library's rules, which it was written to match) and, for CONNECT, the
 * authority-form its handlePath requires (Utility::Url with is_connect: host and port only).
 */
final class RequestTargets {

    private RequestTargets() {
    }

    /**
     * Whether the parser takes {@code url} as a request-target: a path (or "*") of visible
     * characters, or for other than CONNECT a scheme (a letter, then letters, digits, '+', '-',
     * '.') and "://"; then a host of URL characters without "@@", and a path and query.
     */
    static boolean parses(AsciiString url, boolean connect) {
        int n = url.length();
        if (n == 0) {
            return false;
        }
        int c0 = url.byteAt(0);
        if (c0 == '/' || c0 == '*') {
            return pathAndQuery(url, 1);
        }
        int i = 0;
        if (!connect) {
            if (!letter(c0)) {
                return false;
            }
            i = 1;
            while (i < n && schemeChar(url.byteAt(i))) {
                i++;
            }
            if (i + 3 > n || url.byteAt(i) != ':' || url.byteAt(i + 1) != '/' || url.byteAt(i + 2) != '/') {
                return false;
            }
            i += 3;
        }
        int hostEnd = i;
        while (hostEnd < n && url.byteAt(hostEnd) != '/' && url.byteAt(hostEnd) != '?') {
            int c = url.byteAt(hostEnd);
            if (!hostChar(c) || (c == '@' && hostEnd > i && url.byteAt(hostEnd - 1) == '@')) {
                return false;
            }
            hostEnd++;
        }
        return pathAndQuery(url, hostEnd);
    }

    /** host ":" port, the port 0-65535, no userinfo, path or query (http-parser's CONNECT URL). */
    static boolean hostAndPort(AsciiString url) {
        int colon = url.lastIndexOf(":");
        if (colon <= 0 || colon == url.length() - 1 || url.length() - colon - 1 > 5) {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < url.length(); i++) {
            int d = url.byteAt(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            port = port * 10 + d;
        }
        if (port > 0xffff) {
            return false;
        }
        if (url.byteAt(0) == '[') {
            return url.byteAt(colon - 1) == ']' && colon > 2;
        }
        for (int i = 0; i < colon; i++) {
            int c = url.byteAt(i);
            if (c == ':' || c == '@' || c == '[' || c == ']' || !hostChar(c)) {
                return false;
            }
        }
        return true;
    }

    /** The same visible characters in path and query; HT and FF, which isUrlValid also takes, end the target in its parser. */
    private static boolean pathAndQuery(AsciiString url, int from) {
        for (int i = from; i < url.length(); i++) {
            int c = url.byteAt(i) & 0xff;
            if (c < '!' || c > '~') {
                return false;
            }
        }
        return true;
    }

    private static boolean letter(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean schemeChar(int c) {
        return letter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    }

    private static boolean hostChar(int c) {
        if (letter(c) || (c >= '0' && c <= '9')) {
            return true;
        }
        return switch (c) {
            case '!', '$', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', ':', ';', '=', '@', '[', ']', '_', '~' -> true;
            default -> false;
        };
    }
}
