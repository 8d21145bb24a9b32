package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ForwardAction;
import io.remora.http.upstream.HeaderConversion;

/**
 * The router's edits to a request's headers before its first try, as Envoy's decodeHeaders makes
 * them: the order of reads and writes is the behaviour, so it lives in one place. Static: the
 * router's filter is paid per request, and this needs no state of its own.
 */
final class RouterRequestHeaders {
    private RouterRequestHeaders() {
    }

    /**
     * Envoy's decodeHeaders order: the x-envoy-* request headers the router reads (hedging,
     * timeouts, alt response) come from the request as it came, the headers it sets go in,
     * and only then the route's request_headers_to_add, which may override or append to
     * them; the retry headers are read after, so a route may add those.
     */
    static void prepare(RouterFilter r, Http2Headers headers, ForwardAction fa, String clusterName) {
        boolean grpc = RouterFilter.isGrpc(headers);
        boolean hedge = Hedging.requested(r.route, headers);
        io.remora.config.RetryPolicy policy = r.route.retryPolicy();
        boolean envoyHeaders = !r.shared.config().suppressEnvoyHeaders();
        // As Envoy's finalTimeout: the policy's per-try timeout applies whether or not the request may be retried.
        Timeouts.compute(r, fa, policy == null ? null : policy.perTryTimeout(), headers, grpc);
        // As Envoy: the upstream (a gRPC server too) learns the deadline this proxy will actually enforce.
        Timeouts.writeHeaders(r, headers, fa, grpc, envoyHeaders, hedge);
        r.hedge = hedge;
        if (headers.remove(RouterFilter.TIMEOUT_ALT_RESPONSE)) {
            r.timeoutAltResponse = true;
        }
        if (r.route.virtualHost().includeRequestAttemptCount()) {
            headers.set(RouterFilter.ATTEMPT_COUNT, io.remora.util.AsciiNumbers.of(1));
        }
        // Envoy's finalizeRequestHeaders: the weighted cluster's, route's, virtual host's and route
        // configuration's header mutations (seeing the original path), then host and path rewrites.
        r.route.finalizeRequestHeaders(headers, clusterName, r.cb.formatterContext(), envoyHeaders);
        r.info.path(headers.path());
        // As Envoy: from the host after the route's rewrites, before any attempt's auto_host_rewrite;
        // kept in filter state, where the pools read them, so a request without them pays nothing.
        io.remora.upstream.UpstreamTlsNames tlsNames = AutoSniNames.forCluster(r.cluster, headers);
        if (tlsNames != null) {
            r.cb.filterState().set(io.remora.upstream.UpstreamTlsNames.FILTER_STATE_KEY, tlsNames,
                    io.remora.network.FilterState.Mutability.MUTABLE);
        }
        r.retry = RetryState.create(policy, headers, r.route.retryHeaderMatchers());
        RetryState.consumeHeaders(headers);
        r.tunnel = Tunnel.of(headers, fa);
        HeaderConversion.stripHopByHop(headers, r.tunnel != null && r.tunnel.upgrade);
        if (r.tunnel != null) {
            // A byte stream can be neither replayed nor copied.
            r.retry = null;
            r.protocol = r.tunnel.upstreamProtocol(r.protocol, r.cluster);
        }
    }
}
