package io.remora.http;

/**
 * Envoy's {@code normalize_path} (RFC 3986: unreserved %XX decoded, hex digits upper-cased,
 * dot segments removed) and {@code merge_slashes}, applied to {@code :path} before routing. The
 * query is left as is. Returns null when the path cannot be normalized (the request gets 400).
 */
final class PathNormalizer {

    private PathNormalizer() {
    }

    /**
     * Normalizes the request's :path in place; returns the path now in force, or null when it
     * cannot be normalized (Envoy answers 400).
     */
    static String apply(io.netty.handler.codec.http2.Http2Headers headers, CharSequence path, boolean normalize,
                        boolean mergeSlashes) {
        String normalized = normalize(path.toString(), normalize, mergeSlashes);
        if (normalized != null && !io.netty.util.AsciiString.contentEquals(normalized, path)) {
            headers.path(normalized);
        }
        return normalized;
    }

    /**
     * Envoy's PathUtil::unescapeSlashes: %2F and %5C (either case) in the path, not the query,
     * decoded to '/' and '\\'; null when there is none.
     */
    static String unescapeSlashes(CharSequence path) {
        String p = path.toString();
        int q = p.indexOf('?');
        int end = q < 0 ? p.length() : q;
        int pct = p.indexOf('%');
        if (pct < 0 || pct >= end) {
            return null;
        }
        StringBuilder sb = new StringBuilder(p.length());
        boolean found = false;
        for (int i = 0; i < end; i++) {
            char c = p.charAt(i);
            if (c == '%' && i + 2 < end) {
                char a = p.charAt(i + 1);
                char b = Character.toUpperCase(p.charAt(i + 2));
                if ((a == '2' && b == 'F') || (a == '5' && b == 'C')) {
                    sb.append(a == '2' ? '/' : '\\');
                    i += 2;
                    found = true;
                    continue;
                }
            }
            sb.append(c);
        }
        return found ? sb.append(p, end, p.length()).toString() : null;
    }

    static String normalize(String path, boolean normalize, boolean mergeSlashes) {
        int q = path.indexOf('?');
        String p = q < 0 ? path : path.substring(0, q);
        String query = q < 0 ? "" : path.substring(q);
        if (p.isEmpty() || p.charAt(0) != '/') {
            return path; // "*" (OPTIONS) and the like are not hierarchical paths
        }
        if (normalize) {
            p = decodeUnreserved(p);
            if (p == null) {
                return null;
            }
            p = removeDotSegments(p);
        }
        if (mergeSlashes && p.contains("//")) {
            StringBuilder sb = new StringBuilder(p.length());
            for (int i = 0; i < p.length(); i++) {
                char c = p.charAt(i);
                if (c != '/' || sb.length() == 0 || sb.charAt(sb.length() - 1) != '/') {
                    sb.append(c);
                }
            }
            p = sb.toString();
        }
        return query.isEmpty() ? p : p + query;
    }

    private static String decodeUnreserved(String p) {
        if (p.indexOf('%') < 0) {
            return p;
        }
        StringBuilder sb = new StringBuilder(p.length());
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (i + 2 >= p.length()) {
                return null;
            }
            int hi = Character.digit(p.charAt(i + 1), 16);
            int lo = Character.digit(p.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            char d = (char) (hi << 4 | lo);
            if (Character.isLetterOrDigit(d) && d < 0x80 || d == '-' || d == '.' || d == '_' || d == '~') {
                sb.append(d);
            } else {
                sb.append('%').append(Character.toUpperCase(p.charAt(i + 1))).append(Character.toUpperCase(p.charAt(i + 2)));
            }
            i += 2;
        }
        return sb.toString();
    }

    /** RFC 3986 section 5.2.4 on an absolute path. */
    static String removeDotSegments(String p) {
        if (!p.contains("/.")) {
            return p;
        }
        String[] segs = p.substring(1).split("/", -1);
        String[] out = new String[segs.length];
        int n = 0;
        for (int i = 0; i < segs.length; i++) {
            String s = segs[i];
            boolean last = i == segs.length - 1;
            if (s.equals(".")) {
                if (last) {
                    out[n++] = "";
                }
            } else if (s.equals("..")) {
                if (n > 0) {
                    n--;
                }
                if (last) {
                    out[n++] = "";
                }
            } else {
                out[n++] = s;
            }
        }
        StringBuilder sb = new StringBuilder(p.length());
        for (int i = 0; i < n; i++) {
            sb.append('/').append(out[i]);
        }
        return sb.length() == 0 ? "/" : sb.toString();
    }
}
