package io.remora.extensions.common.aws;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.StringMatcher;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SigV4's canonical request, as Envoy's {@code Aws::Utility}: the canonical headers (pseudo-headers,
 * empty values and excluded names left out, {@code :authority} as {@code host} without a default
 * port), the path (normalized and encoded once more, except for the S3 services, whose paths are
 * signed as sent), the sorted, re-encoded query string and the payload hash. Strings hold header
 * bytes one per char (ISO-8859-1), as Netty's header values do.
 */
public final class SigV4Canonical {

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final String SECURITY_TOKEN_PARAM = "X-Amz-Security-Token";

    private SigV4Canonical() {
    }

    /** The S3 services sign their paths unmodified; every other service normalizes and double-encodes. */
    public static boolean normalizesPath(String service) {
        return !(service.equalsIgnoreCase("s3") || service.equalsIgnoreCase("s3-outposts")
                || service.equalsIgnoreCase("s3-express"));
    }

    /** Header name to value, sorted by name, repeated headers joined by commas. */
    public static TreeMap<String, String> headers(Http2Headers headers, List<StringMatcher> excluded) {
        TreeMap<String, String> out = new TreeMap<>();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            String name = e.getKey().toString();
            String raw = e.getValue().toString();
            if (name.isEmpty() || raw.isEmpty() || name.charAt(0) == ':' || excludedName(name, excluded)) {
                continue;
            }
            String value = collapseWhitespace(raw);
            out.merge(name, value, (a, b) -> a + "," + b);
        }
        CharSequence authority = headers.authority();
        if (authority != null && authority.length() > 0) {
            out.putIfAbsent("host", withoutDefaultPort(authority.toString()));
        }
        return out;
    }

    private static boolean excludedName(String name, List<StringMatcher> excluded) {
        for (StringMatcher m : excluded) {
            if (m.matches(name)) {
                return true;
            }
        }
        return false;
    }

    /** The AWS SDKs drop port 80 and 443 from the host they sign. */
    private static String withoutDefaultPort(String authority) {
        List<String> parts = new ArrayList<>(2);
        for (String p : authority.split(":")) {
            if (!p.isEmpty()) {
                parts.add(p);
            }
        }
        if (parts.size() > 1 && (parts.get(1).equals("80") || parts.get(1).equals("443"))) {
            return parts.get(0);
        }
        return authority;
    }

    /** Leading and trailing ASCII whitespace removed, each inner run kept as its last character. */
    static String collapseWhitespace(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        StringBuilder b = new StringBuilder(end - start);
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (isSpace(c) && i + 1 < end && isSpace(s.charAt(i + 1))) {
                continue;
            }
            b.append(c);
        }
        return b.toString();
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    public static String signedHeaders(Map<String, String> canonicalHeaders) {
        return String.join(";", canonicalHeaders.keySet());
    }

    public static String request(String method, String path, Map<String, String> canonicalHeaders,
                                 String contentHash, boolean normalizePath) {
        int q = path.indexOf('?');
        String pathPart = q < 0 ? path : path.substring(0, q);
        String canonicalPath = normalizePath ? uriEncodePath(normalizePath(pathPart)) : pathPart;
        StringBuilder b = new StringBuilder(256);
        b.append(method).append('\n');
        b.append(canonicalPath.isEmpty() ? "/" : canonicalPath).append('\n');
        if (q >= 0) {
            b.append(query(path.substring(q + 1)));
        }
        b.append('\n');
        for (Map.Entry<String, String> e : canonicalHeaders.entrySet()) {
            b.append(e.getKey()).append(':').append(e.getValue()).append('\n');
        }
        b.append('\n').append(signedHeaders(canonicalHeaders)).append('\n').append(contentHash);
        return b.toString();
    }

    /** Empty and "." segments dropped, ".." taking the previous one; a trailing slash kept. */
    static String normalizePath(String path) {
        List<String> segments = new ArrayList<>();
        for (String s : path.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (segments.isEmpty()) {
                    segments.add("/"); // as Envoy: a ".." above the root stays visible in what is signed
                } else {
                    segments.remove(segments.size() - 1);
                }
            } else {
                segments.add(s);
            }
        }
        String out = "/" + String.join("/", segments);
        if (path.endsWith("/") && out.length() > 1) {
            out += "/";
        }
        return out;
    }

    /** Every byte but unreserved characters and '/' percent-encoded; a fragment is left as it is. */
    static String uriEncodePath(String path) {
        int cut = indexOfAny(path, '?', '#');
        String p = cut < 0 ? path : path.substring(0, cut);
        StringBuilder b = new StringBuilder(p.length() + 16);
        for (byte c : p.getBytes(StandardCharsets.ISO_8859_1)) {
            if (unreserved(c) || c == '/') {
                b.append((char) c);
            } else {
                percent(b, c);
            }
        }
        if (cut >= 0) {
            b.append(path, cut, path.length());
        }
        return b.toString();
    }

    private static int indexOfAny(String s, char a, char b) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Parameters decoded and encoded again (the security token as it is, it was encoded once already),
     * sorted by name then value.
     */
    static String query(String query) {
        List<String[]> params = new ArrayList<>();
        for (String fragment : query.split("&")) {
            if (fragment.isEmpty()) {
                continue;
            }
            int eq = fragment.indexOf('=');
            String name = eq < 0 ? fragment : fragment.substring(0, eq);
            String value = eq < 0 ? "" : fragment.substring(eq + 1);
            if (!name.equals(SECURITY_TOKEN_PARAM)) {
                name = encodeQueryComponent(percentDecode(name));
                value = encodeQueryComponent(percentDecode(value));
            }
            params.add(new String[]{name, value});
        }
        params.sort((x, y) -> {
            int c = x[0].compareTo(y[0]);
            return c != 0 ? c : x[1].compareTo(y[1]);
        });
        StringBuilder b = new StringBuilder(query.length() + 16);
        for (String[] p : params) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(p[0]).append('=').append(p[1]);
        }
        return b.toString();
    }

    /** Unreserved characters kept, '+' as %20 (a space that was encoded as a plus), all else %XX. */
    public static String encodeQueryComponent(String decoded) {
        return percentEncode(decoded, true);
    }

    /** Every byte but unreserved characters as %XX (Envoy's urlEncodeQueryParameter, for the session token). */
    public static String urlEncode(String s) {
        return percentEncode(s, false);
    }

    private static String percentEncode(String s, boolean plusAsSpace) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (byte c : s.getBytes(StandardCharsets.ISO_8859_1)) {
            if (unreserved(c)) {
                b.append((char) c);
            } else if (c == '+' && plusAsSpace) {
                b.append("%20");
            } else {
                percent(b, c);
            }
        }
        return b.toString();
    }

    /** %XX sequences decoded; malformed ones, and '+', left as they are. */
    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(s.length());
        byte[] in = s.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '%' && i + 2 < in.length && hex(in[i + 1]) >= 0 && hex(in[i + 2]) >= 0) {
                out.write(hex(in[i + 1]) << 4 | hex(in[i + 2]));
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static int hex(byte c) {
        return Character.digit((char) c, 16);
    }

    private static boolean unreserved(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static void percent(StringBuilder b, byte c) {
        b.append('%').append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
    }
}
