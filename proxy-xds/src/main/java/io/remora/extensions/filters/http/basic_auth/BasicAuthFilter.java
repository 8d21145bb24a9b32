package io.remora.extensions.filters.http.basic_auth;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.config.RouteFilterConfig;
import io.remora.extensions.filters.http.common.HcmCounters;
import io.remora.extensions.filters.http.common.OriginalUri;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Envoy's basic_auth on one request: the credential ({@code Basic base64(user:password)}) from
 * the authorization header, or the configured one, checked against the route's users (a
 * {@code BasicAuthPerRoute} replaces the filter's); any failure answers 401 with a
 * {@code WWW-Authenticate: Basic realm="<original uri>"} challenge and Envoy's details.
 */
final class BasicAuthFilter implements StreamDecoderFilter {
    private static final AsciiString AUTHORIZATION = AsciiString.cached("authorization");
    private static final AsciiString WWW_AUTHENTICATE = AsciiString.cached("www-authenticate");

    private final BasicAuthConfig config;
    private final HcmCounters counters;
    private DecoderFilterCallbacks cb;

    BasicAuthFilter(BasicAuthConfig config, HcmCounters counters) {
        this.config = config;
        this.counters = counters;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        HtpasswdUsers users = config.users();
        RouteFilterConfig perRoute = cb.perFilterConfig();
        if (perRoute instanceof BasicAuthPerRouteConfig p) {
            users = p.users();
        }
        CharSequence credential = headers.get(config.authenticationHeader() == null ? AUTHORIZATION
                : config.authenticationHeader());
        if (credential == null) {
            return denied(headers, "User authentication failed. Missing username and password.",
                    "no_credential_for_basic_auth");
        }
        String value = credential.toString();
        if (!value.startsWith("Basic ")) {
            return denied(headers, "User authentication failed. Expected 'Basic' authentication scheme.",
                    "invalid_scheme_for_basic_auth");
        }
        byte[] decoded = decode(value.substring(6));
        int colon = indexOf(decoded, (byte) ':');
        if (colon < 0) {
            return denied(headers, "User authentication failed. Invalid basic credential format.",
                    "invalid_format_for_basic_auth");
        }
        String username = new String(decoded, 0, colon, StandardCharsets.UTF_8);
        if (!users.accepts(username, Arrays.copyOfRange(decoded, colon + 1, decoded.length))) {
            return denied(headers, "User authentication failed. Invalid username/password combination.",
                    "invalid_credential_for_basic_auth");
        }
        if (config.forwardUsernameHeader() != null) {
            headers.set(config.forwardUsernameHeader(), username);
        }
        counters.of(cb.connectionManagerStats().prefix())[BasicAuthFilterProvider.ALLOWED].increment();
        return FilterStatus.CONTINUE;
    }

    /** Base64 with or without padding, as Envoy decodes it; anything undecodable reads as empty. */
    private static byte[] decode(String token) {
        String t = token;
        while (t.endsWith("=")) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Base64.getDecoder().decode(t);
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private FilterStatus denied(Http2Headers request, String body, String details) {
        counters.of(cb.connectionManagerStats().prefix())[BasicAuthFilterProvider.DENIED].increment();
        String challenge = "Basic realm=\"" + OriginalUri.of(request) + "\"";
        cb.sendLocalReply(401, body, null, details, h -> h.set(WWW_AUTHENTICATE, challenge), -1);
        return FilterStatus.STOP_ITERATION;
    }
}
