package io.remora.http.router;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.util.AsciiNumbers;

/**
 * How the router starts a try (Envoy's router, continueDecodeHeaders and onUpstreamHostSelected):
 * the host, the per-try request headers, the try's upstream protocol, then the
 * {@link UpstreamRequest} that carries it. The max_requests breaker is the pool's, taken as the
 * try's stream binds to a connection (Envoy's attachStreamToClient).
 */
final class Attempts {
    private static final AsciiString IS_TIMEOUT_RETRY = AsciiString.cached("x-envoy-is-timeout-retry");
    private static final AsciiString TRUE = AsciiString.cached("true");
    private static final AsciiString FALSE = AsciiString.cached("false");
    private static final AsciiString HTTPS = AsciiString.cached("https");
    private static final AsciiString HTTP = AsciiString.cached("http");

    private Attempts() {
    }

    /**
     * A retry: counted as an attempt (as Envoy's doRetry, before its host is chosen, so a retry
     * finding no host answers with its own number), then its host, from the request as the route
     * left it (Envoy's downstream headers after finalizeRequestHeaders).
     */
    static void start(RouterFilter r) {
        if (r.done) {
            return;
        }
        r.info.attemptCount++;
        // An aggregate cluster hands the try to one of its members: the member's pools, breakers and TLS serve it.
        Cluster target = r.cluster.pickCluster(r.lbContext());
        Host host = target == null ? null : target.chooseHost(r.lbContext());
        if (host == null) {
            noHost(r);
            return;
        }
        start(r, target, host);
    }

    /** No host for a try; for the first, Envoy's decodeHeaders reply, sent before any attempt counts. */
    static void noHost(RouterFilter r) {
        r.stats.upstreamCxNoneHealthy.increment();
        UpstreamAbort.reply(r, 503, "no healthy upstream", ResponseFlag.NO_HEALTHY_UPSTREAM, "no_healthy_upstream");
    }

    /** Starts a try on {@code host} of {@code target}: the first one, or a retry. */
    static void start(RouterFilter r, Cluster target, Host host) {
        if (r.done) {
            return;
        }
        boolean retry = r.info.attemptCount > 0;
        if (!retry) {
            r.info.attemptCount = 1;
        }
        r.lbContext().onAttempt(host);
        // As Envoy's router: the downstream map itself (each attempt sets its own count and host);
        // a codec that rewrites for its hop (HTTP/2) takes a copy.
        Http2Headers h = r.requestHeaders;
        if (retry && r.route.virtualHost().includeRequestAttemptCount()) {
            // The first try's count went in before the route's request_headers_to_add (RouterFilter).
            h.set(RouterFilter.ATTEMPT_COUNT, AsciiNumbers.of(r.info.attemptCount));
        }
        if (r.retry != null) {
            if (retry) {
                if (r.route.virtualHost().includeIsTimeoutRetryHeader()) {
                    h.set(IS_TIMEOUT_RETRY, r.retry.timeoutRetry ? TRUE : FALSE);
                }
                Timeouts.rewriteForRetry(r, h);
            }
            r.retry.timeoutRetry = false;
        }
        if (r.info.schemeMatchUpstream()) {
            h.scheme(target.transportSocketFactory().usesTls(host) ? HTTPS : HTTP);
        }
        if (r.action.autoHostRewrite() && host.hostname() != null && !host.hostname().isEmpty()) {
            io.remora.route.HostPort.rewrite(h, host.hostname(), r.action.appendXForwardedHost(),
                    !r.shared.config().suppressEnvoyHeaders());
        }
        if (target != r.cluster) {
            memberTlsNames(r, target, h);
        }
        UpstreamRequest a = r.shared.upstreamLogs() == null ? new UpstreamRequest(r, target, host, h)
                : new LoggedUpstreamRequest(r, target, host, h, r.shared.upstreamLogs());
        io.remora.tracing.UpstreamSpans spans = r.info.upstreamSpans();
        if (spans != null && spans.spawns(r.shared.config().startChildSpan())) {
            // As Envoy's UpstreamRequest: the try's span is named by the route's cluster and sends its own context.
            String alt = r.cluster.config().altStatName();
            a.span = spans.start(r.cluster.config().name(), alt == null || alt.isEmpty() ? r.cluster.config().name() : alt,
                    r.info.attemptCount, h, host.address());
        }
        r.current = a;
        a.start();
    }

    /**
     * An aggregate's member with auto_sni names its TLS from the request as the route's own cluster
     * would (the aggregate itself has no TLS to name).
     */
    private static void memberTlsNames(RouterFilter r, Cluster member, Http2Headers h) {
        io.remora.upstream.UpstreamTlsNames tlsNames = AutoSniNames.forCluster(member, h);
        if (tlsNames != null) {
            r.cb.filterState().set(io.remora.upstream.UpstreamTlsNames.FILTER_STATE_KEY, tlsNames,
                    io.remora.network.FilterState.Mutability.MUTABLE);
        }
    }

    /** A try's upstream protocol on {@code c}: the route cluster's as computed for the request, else the member's. */
    static UpstreamProtocol protocolFor(RouterFilter r, Cluster c) {
        if (c == r.cluster) {
            return r.protocol;
        }
        UpstreamProtocol p = protocolOf(c, r.cb.downstreamProtocol());
        return r.tunnel == null ? p : r.tunnel.upstreamProtocol(p, c);
    }

    /** The cluster's upstream protocol, USE_DOWNSTREAM resolved against the downstream's. */
    static UpstreamProtocol protocolOf(Cluster c, String downstreamProtocol) {
        UpstreamProtocol p = c.config().protocol();
        if (p == UpstreamProtocol.USE_DOWNSTREAM) {
            return "HTTP/2".equals(downstreamProtocol) ? UpstreamProtocol.HTTP2 : UpstreamProtocol.HTTP1;
        }
        return p == null ? UpstreamProtocol.HTTP1 : p;
    }
}
