package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.GrpcHttpStatus;
import io.remora.upstream.Host;

/**
 * A host's {@code rq_success} and {@code rq_error} for the router's tries, counted where Envoy's
 * router counts them (the pools count them for other requesters): a final non-5xx response is a
 * success (handleNon5xxResponseHeaders), a 5xx one or an abort before the response an error only
 * with the router's dynamic stats (chargeUpstreamCode); a retried response or reset is an error
 * (onUpstreamHeaders, maybeRetryReset); a gRPC request's result waits for its
 * {@code grpc-status}, from a headers-only answer or from the trailers, and a reset after such a
 * response started is an error (chargeUpstreamAbort).
 */
public final class HostResults {
    private HostResults() {
    }

    /** A response or reset that is retried, whatever its code. */
    static void retried(Host host) {
        host.stats.rqError.increment();
    }

    /** The response going downstream. */
    static void response(RouterFilter r, UpstreamRequest a, int status, Http2Headers headers, boolean endStream) {
        if (status >= 500 && status < 600) {
            aborted(r, a.host, status);
        } else if (!RouterFilter.isGrpc(r.requestHeaders)) {
            a.host.stats.rqSuccess.increment();
        } else if (endStream) {
            grpcResult(a.host, headers);
        } else {
            a.grpcResultDeferred = true;
        }
    }

    /** Trailers ended a response whose gRPC result was deferred. */
    static void trailers(UpstreamRequest a, Http2Headers trailers) {
        if (a.grpcResultDeferred) {
            a.grpcResultDeferred = false;
            grpcResult(a.host, trailers);
        }
    }

    /** A reset once the response went downstream: an error only for a gRPC result still deferred. */
    static void resetAfterResponse(UpstreamRequest a) {
        if (a.grpcResultDeferred) {
            a.grpcResultDeferred = false;
            a.host.stats.rqError.increment();
        }
    }

    /**
     * A code charged for the host (chargeUpstreamCode, and chargeUpstreamAbort before the response):
     * a 5xx with dynamic stats on and no health check; an abort's other code (a timeout's 204) always.
     */
    static void aborted(RouterFilter r, Host host, int status) {
        boolean fiveXx = status >= 500 && status < 600;
        if (!fiveXx || (r.shared.config().dynamicStats() && !r.info.healthCheck())) {
            host.stats.rqError.increment();
        }
    }

    /**
     * A gRPC response's result, from the {@code grpc-status} its headers or trailers carry. Public
     * for the service clients, whose async client's router counts the same.
     */
    public static void grpcResult(Host host, Http2Headers h) {
        CharSequence gs = h == null ? null : h.get(RetryState.GRPC_STATUS);
        int code = -1;
        if (gs != null) {
            try {
                code = Integer.parseInt(gs.toString());
            } catch (NumberFormatException e) {
                code = -1;
            }
        }
        boolean success = code >= 0 && GrpcHttpStatus.toHttp(code) < 500;
        (success ? host.stats.rqSuccess : host.stats.rqError).increment();
    }
}
