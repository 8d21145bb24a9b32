package io.remora.extensions.filters.http.jwt_authn;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;

import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Envoy's jwt_authn {@code Authenticator}: the tokens one requirement leaf extracted, verified
 * one by one (last found first, as Envoy pops them). Unless missing or failed tokens are allowed,
 * the first failure ends it, so a good token cannot carry a bad one past the filter. A good
 * token's effects on the request (payload header, claim headers, token removal, metadata) happen
 * as it is accepted.
 */
final class JwtAuthenticator {

    private JwtAuthenticator() {
    }

    /**
     * @param provider  the leaf's provider, or null to pick one by the token's issuer
     * @param audiences overriding audiences, or null
     */
    static JwtStatus authenticate(JwtVerification v, List<JwtExtractor.Location> tokens, JwtProviderConfig provider,
                                  List<String> audiences, boolean allowFailed, boolean allowMissing) {
        if (tokens.isEmpty()) {
            recordFailure(v, null, JwtStatus.MISSING);
            return allowMissing || allowFailed ? JwtStatus.OK : JwtStatus.MISSING;
        }
        // Envoy's jwks_data_: the provider the last token reached, kept from one token to the next.
        JwtProviderConfig[] reached = {null};
        JwtStatus status = JwtStatus.OK;
        for (int i = tokens.size() - 1; i >= 0; i--) {
            status = one(v, tokens.get(i), provider, audiences, reached);
            if (status != JwtStatus.OK) {
                recordFailure(v, reached[0], status);
                if (!allowFailed && !allowMissing) {
                    return status;
                }
            }
        }
        if (allowFailed) {
            return JwtStatus.OK;
        }
        return status;
    }

    /**
     * {@code failed_status_in_metadata}, as Envoy's {@code doneWithStatus}: every failure (a
     * missing token included) is left as {@code {code, message}} under the key of the provider
     * the token reached, or of the only provider when none was reached; a later one overwrites.
     */
    private static void recordFailure(JwtVerification v, JwtProviderConfig reached, JwtStatus status) {
        JwtProviderConfig p = reached != null ? reached : v.singleProvider();
        if (p != null && !p.failedStatusInMetadata().isEmpty()) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("code", (double) status.code());
            failure.put("message", status.message);
            v.extracted.put(p.failedStatusInMetadata(), failure);
        }
    }

    private static JwtStatus one(JwtVerification v, JwtExtractor.Location at, JwtProviderConfig provider,
                                 List<String> audiences, JwtProviderConfig[] reached) {
        if (provider != null) {
            reached[0] = provider;
        }
        JwtToken cached = provider != null ? v.cached(provider, at.token) : null;
        JwtToken t = cached;
        if (t == null) {
            JwtToken.Parsed parsed = JwtToken.parse(at.token);
            if (parsed.status() != JwtStatus.OK) {
                return parsed.status();
            }
            t = parsed.token();
        }
        if (!at.issuerAllowed(t.iss())) {
            return JwtStatus.UNKNOWN_ISSUER;
        }
        JwtProviderConfig p = provider;
        if (p == null) {
            p = v.providerOfIssuer(t.iss());
            reached[0] = p;
        }
        if (p == null) {
            return JwtStatus.UNKNOWN_ISSUER;
        }
        JwtStatus s = JwtVerifier.claims(t, p, audiences, v.nowSeconds);
        if (s == JwtStatus.OK && cached == null) {
            s = v.signature(t, p);
        }
        if (s != JwtStatus.OK) {
            return s;
        }
        accept(v, at, t, p);
        if (cached == null && provider != null) {
            v.remember(provider, at.token, t);
        }
        return JwtStatus.OK;
    }

    private static void accept(JwtVerification v, JwtExtractor.Location at, JwtToken t, JwtProviderConfig p) {
        Http2Headers h = v.headers;
        if (!p.forwardPayloadHeader().isEmpty()) {
            String payload = t.payloadBase64url();
            if (p.padForwardPayloadHeader()) {
                int r = payload.length() % 4;
                payload += r == 2 ? "==" : r == 3 ? "=" : "";
            }
            h.add(AsciiString.of(p.forwardPayloadHeader()), payload);
        }
        boolean claimHeaderAdded = false;
        for (JwtProviderConfig.ClaimToHeader c : p.claimToHeaders()) {
            String value = claimText(t.payload(), c.claimName());
            if (value != null && !value.isEmpty()) {
                h.add(AsciiString.of(c.headerName()), value);
                claimHeaderAdded = true;
            }
        }
        if (!p.forward()) {
            at.remove(h);
        }
        if (!p.headerInMetadata().isEmpty()) {
            v.extracted.put(p.headerInMetadata(), t.header());
        }
        if (!p.payloadInMetadata().isEmpty()) {
            v.extracted.put(p.payloadInMetadata(), normalized(t.payload(), p));
        }
        if (p.clearRouteCache() && claimHeaderAdded) {
            v.clearRouteCache = true;
        }
    }

    /**
     * {@code normalize_payload_in_metadata}: a listed string claim becomes the list of its parts
     * between spaces (empty parts skipped); one with no part stays the string, as in Envoy's
     * {@code setPayloadMetadata}.
     */
    private static Map<String, Object> normalized(Map<String, Object> payload, JwtProviderConfig p) {
        // A copy: a cached token's payload serves later requests too.
        Map<String, Object> out = payload;
        for (String claim : p.spaceDelimitedClaims()) {
            if (payload.get(claim) instanceof String s) {
                List<Object> parts = new ArrayList<>();
                for (String part : s.split(" ")) {
                    if (!part.isEmpty()) {
                        parts.add(part);
                    }
                }
                if (parts.isEmpty()) {
                    continue;
                }
                if (out == payload) {
                    out = new LinkedHashMap<>(payload);
                }
                out.put(claim, parts);
            }
        }
        return out;
    }

    /**
     * A claim (dotted names reach into objects) as header text: primitives as text, objects and
     * lists as base64 of their compact JSON (Envoy's addJWTClaimToHeader); null when absent.
     */
    private static String claimText(Map<String, Object> payload, String name) {
        Object value = payload;
        for (String part : name.split("\\.")) {
            if (!(value instanceof Map<?, ?> m)) {
                return null;
            }
            value = m.get(part);
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Boolean b) {
            return b.toString();
        }
        if (value instanceof Double d) {
            if (d >= 0 && d < 1.8e19 && d == Math.rint(d)) {
                return Long.toUnsignedString(d.longValue());
            }
            return String.format(Locale.ROOT, "%f", d);
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            StringBuilder json = new StringBuilder();
            ClaimJson.write(value, json);
            return Base64.getEncoder().encodeToString(json.toString().getBytes(StandardCharsets.UTF_8));
        }
        return null;
    }
}
