package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.extensions.filters.http.common.RequestCookies;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Envoy's jwt_authn {@code Extractor}: where the tokens of one provider (or of several, for
 * allow_missing) are found — headers first, then query parameters, then cookies — each remembering
 * which issuers configured its location, so a token in a place its issuer never named is refused
 * as "Jwt issuer is not configured".
 */
final class JwtExtractor {

    private static final String BASE64URL_AND_DOT =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

    /** Issuers that named a location; an empty issuer names them all. */
    private static final class Issuers {
        private boolean all;
        private final Set<String> named = new HashSet<>();

        void add(String issuer) {
            if (issuer.isEmpty()) {
                all = true;
            } else {
                named.add(issuer);
            }
        }

        boolean allows(String issuer) {
            return all || named.contains(issuer);
        }
    }

    private record HeaderSpec(AsciiString name, String prefix, Issuers issuers) {
    }

    /** A token found, where it was found, and how to take it out of the request. */
    static final class Location {
        final String token;
        private final Issuers issuers;
        private final AsciiString header;
        private final String param;

        private Location(String token, Issuers issuers, AsciiString header, String param) {
            this.token = token;
            this.issuers = issuers;
            this.header = header;
            this.param = param;
        }

        boolean issuerAllowed(String issuer) {
            return issuers.allows(issuer);
        }

        /** Envoy removes the whole header, or the parameter from the query; cookies stay. */
        void remove(Http2Headers headers) {
            if (header != null) {
                headers.remove(header);
            } else if (param != null && headers.path() != null) {
                headers.path(withoutParam(headers.path().toString(), param));
            }
        }
    }

    private final Map<String, HeaderSpec> headers = new TreeMap<>();
    private final Map<String, Issuers> params = new TreeMap<>();
    private final Map<String, Issuers> cookies = new TreeMap<>();
    private final List<AsciiString> toSanitize;

    JwtExtractor(List<JwtProviderConfig> providers) {
        Set<AsciiString> sanitize = new LinkedHashSet<>();
        for (JwtProviderConfig p : providers) {
            for (JwtProviderConfig.HeaderLocation h : p.headers()) {
                headers.computeIfAbsent(h.name() + h.valuePrefix(),
                        k -> new HeaderSpec(AsciiString.of(h.name()), h.valuePrefix(), new Issuers()))
                        .issuers().add(p.issuer());
            }
            p.params().forEach(q -> params.computeIfAbsent(q, k -> new Issuers()).add(p.issuer()));
            p.cookies().forEach(c -> cookies.computeIfAbsent(c, k -> new Issuers()).add(p.issuer()));
            if (!p.forwardPayloadHeader().isEmpty()) {
                sanitize.add(AsciiString.of(p.forwardPayloadHeader()));
            }
            p.claimToHeaders().forEach(c -> sanitize.add(AsciiString.of(c.headerName())));
        }
        toSanitize = List.copyOf(sanitize);
    }

    /**
     * Removes the headers a good token would set, so a client cannot forge them (Envoy's
     * {@code sanitizeHeaders}, before any token is looked at).
     */
    void sanitize(Http2Headers h) {
        for (AsciiString name : toSanitize) {
            h.remove(name);
        }
    }

    List<Location> extract(Http2Headers h) {
        List<Location> out = new ArrayList<>();
        for (HeaderSpec spec : headers.values()) {
            for (CharSequence v : h.getAll(spec.name())) {
                String value = v.toString();
                if (!spec.prefix().isEmpty()) {
                    int at = value.indexOf(spec.prefix());
                    if (at < 0) {
                        continue;
                    }
                    value = afterPrefix(value, at + spec.prefix().length());
                }
                out.add(new Location(value, spec.issuers(), spec.name(), null));
            }
        }
        CharSequence path = h.path();
        if (!params.isEmpty() && path != null) {
            Map<String, String> query = firstValues(path.toString());
            params.forEach((name, issuers) -> {
                String v = query.get(name);
                if (v != null) {
                    out.add(new Location(v, issuers, null, name));
                }
            });
        }
        if (!cookies.isEmpty()) {
            Map<String, String> jar = RequestCookies.parse(h);
            cookies.forEach((name, issuers) -> {
                String v = jar.get(name);
                if (v != null) {
                    out.add(new Location(v, issuers, null, null));
                }
            });
        }
        return out;
    }

    /** The token starts at the first base64url character after the prefix (Envoy's extractJWT). */
    private static String afterPrefix(String value, int from) {
        for (int i = from; i < value.length(); i++) {
            if (BASE64URL_AND_DOT.indexOf(value.charAt(i)) >= 0) {
                return value.substring(i);
            }
        }
        return value;
    }

    private static Map<String, String> firstValues(String path) {
        Map<String, String> out = new TreeMap<>();
        int q = path.indexOf('?');
        if (q < 0) {
            return out;
        }
        int end = path.indexOf('#', q);
        for (String pair : path.substring(q + 1, end < 0 ? path.length() : end).split("&")) {
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!k.isEmpty()) {
                out.putIfAbsent(k, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    static String withoutParam(String path, String param) {
        int q = path.indexOf('?');
        if (q < 0) {
            return path;
        }
        int hash = path.indexOf('#', q);
        String query = path.substring(q + 1, hash < 0 ? path.length() : hash);
        StringBuilder kept = new StringBuilder();
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || decode(eq < 0 ? pair : pair.substring(0, eq)).equals(param)) {
                continue;
            }
            kept.append(kept.length() == 0 ? "" : "&").append(pair);
        }
        return path.substring(0, q) + (kept.length() == 0 ? "" : "?" + kept)
                + (hash < 0 ? "" : path.substring(hash));
    }
}
