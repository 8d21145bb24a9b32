package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.upstream.Host;

/** Which of Envoy's code-stat categories a routed response is charged to besides the plain one. */
final class CodeStatCategory {
    private static final AsciiString X_ENVOY_INTERNAL = AsciiString.cached("x-envoy-internal");
    private static final AsciiString X_ENVOY_UPSTREAM_CANARY = AsciiString.cached("x-envoy-upstream-canary");
    private static final AsciiString TRUE = AsciiString.cached("true");

    private CodeStatCategory() {
    }

    /** Envoy's isEnvoyInternalRequest: the request carries {@code x-envoy-internal: true}. */
    static boolean internal(Http2Headers requestHeaders) {
        return requestHeaders != null && isTrue(requestHeaders.get(X_ENVOY_INTERNAL));
    }

    /**
     * As Envoy's chargeUpstreamCode: a canary host ({@code envoy.lb} metadata {@code canary: true}),
     * or a response that says it came from one ({@code x-envoy-upstream-canary: true}).
     */
    static boolean canary(Host host, Http2Headers responseHeaders) {
        return host != null && host.canary()
                || responseHeaders != null && isTrue(responseHeaders.get(X_ENVOY_UPSTREAM_CANARY));
    }

    private static boolean isTrue(CharSequence v) {
        return v != null && AsciiString.contentEquals(v, TRUE);
    }
}
