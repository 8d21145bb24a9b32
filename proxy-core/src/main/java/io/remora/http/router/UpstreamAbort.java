package io.remora.http.router;

import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.VirtualHost;
import io.remora.util.AsciiNumbers;

/**
 * The router's local replies once it has chosen to forward (Envoy's onUpstreamAbort and
 * modify_headers_): no host, an overflow, a reset, a timeout, a body too large to keep for a
 * retry. Apart from the filter because none of it runs on a request the upstream answers; static
 * so that such a reply allocates only when it carries a header.
 */
final class UpstreamAbort {
    private static final AsciiString X_ENVOY_OVERLOADED = AsciiString.cached("x-envoy-overloaded");
    private static final AsciiString X_ENVOY_DROP_OVERLOAD = AsciiString.cached("x-envoy-drop-overload");
    private static final AsciiString X_ENVOY_UNCONDITIONAL_DROP_OVERLOAD =
            AsciiString.cached("x-envoy-unconditional-drop-overload");
    private static final AsciiString TRUE = AsciiString.cached("true");

    private UpstreamAbort() {
    }

    /**
     * An abort answered before the response started: counted as that code, as Envoy's
     * chargeUpstreamAbort, then the stream is over for the router.
     */
    static void reply(RouterFilter r, int status, String text, ResponseFlag flag, String details) {
        UpstreamCodeCharge.charge(r, status, r.current == null ? null : r.current.host, null);
        r.finish();
        AsciiString marker = flag == ResponseFlag.UPSTREAM_OVERFLOW ? X_ENVOY_OVERLOADED
                : flag == ResponseFlag.DROP_OVERLOAD ? X_ENVOY_DROP_OVERLOAD
                : flag == ResponseFlag.UNCONDITIONAL_DROP_OVERLOAD ? X_ENVOY_UNCONDITIONAL_DROP_OVERLOAD : null;
        // Envoy's router marks a request a circuit breaker or drop_overloads dropped, so callers can back off.
        send(r, status, text, flag, details, r.shared.config().suppressEnvoyHeaders() ? null : marker);
    }

    /**
     * The reply with x-envoy-attempt-count when the virtual host asks for it in responses, and
     * {@code marker} (may be null) set to true. No route response headers here: the connection
     * manager adds them to every local reply of a forwarding route.
     */
    static void send(RouterFilter r, int status, String text, ResponseFlag flag, String details, AsciiString marker) {
        VirtualHost vh = r.route.virtualHost();
        int attempts = vh != null && vh.includeAttemptCountInResponse() ? r.info.attemptCount : 0;
        if (marker == null && attempts == 0) {
            r.cb.sendLocalReply(status, text, flag, details, null, -1);
            return;
        }
        r.cb.sendLocalReply(status, text, flag, details, h -> {
            if (marker != null) {
                h.set(marker, TRUE);
            }
            if (attempts > 0) {
                h.set(RouterFilter.ATTEMPT_COUNT, AsciiNumbers.of(attempts));
            }
        }, -1);
    }
}
