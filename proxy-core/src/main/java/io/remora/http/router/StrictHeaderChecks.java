package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.RetryPolicy.RetryOn;

import java.util.List;

/**
 * Envoy's router {@code strict_check_headers}: each x-envoy-* request header named must, when
 * present, hold a value the router can parse; else the request is answered 400 with flag IH and is
 * not forwarded (Envoy's StrictHeaderChecker, run once the cluster is known).
 */
final class StrictHeaderChecks {

    private StrictHeaderChecks() {
    }

    /** Whether the request passes; when not, it has been answered. */
    static boolean pass(RouterFilter r, Http2Headers headers, List<String> names) {
        for (String name : names) {
            CharSequence v = headers.get(name);
            if (v != null && !valid(name, v.toString())) {
                r.done = true;
                r.cb.sendLocalReply(400, "invalid header '" + name + "' with value '" + v + "'",
                        ResponseFlag.INVALID_ENVOY_REQUEST_HEADERS, "request_headers_failed_strict_check{" + name + "}");
                return false;
            }
        }
        return true;
    }

    static boolean valid(String name, String value) {
        return switch (name) {
            case "x-envoy-retry-on" -> retryTokens(value, false);
            case "x-envoy-retry-grpc-on" -> retryTokens(value, true);
            default -> unsignedInteger(value); // the two timeouts and x-envoy-max-retries
        };
    }

    /** absl::SimpleAtoi into a uint64: surrounding whitespace and a '+' allowed, digits only, in range. */
    static boolean unsignedInteger(String value) {
        String s = value.strip();
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        try {
            Long.parseUnsignedLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Every comma-separated token (trimmed, empty ones skipped) is a condition of the header's kind. */
    private static boolean retryTokens(String value, boolean grpc) {
        for (String t : value.split(",")) {
            String token = t.strip();
            if (token.isEmpty()) {
                continue;
            }
            RetryOn on = RetryOn.ofToken(token);
            if (on == null || RetryState.isGrpc(on) != grpc) {
                return false;
            }
        }
        return true;
    }
}
