package io.remora.http;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.remora.accesslog.StreamTimings;


/**
 * A stream's request head on its way to the filter chain (Envoy's
 * {@code ConnectionManagerImpl::ActiveStream::decodeHeaders}): Envoy's header checks and
 * mutations, the route table snapshot, the upgrade's filter chain, then the {@link FilterManager}
 * that owns the request from there on. Static over the stream's fields: no allocation of its own.
 */
final class StreamRequestHead {

    private static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");

    private StreamRequestHead() {
    }

    static void decode(ActiveStream s, Http2Headers headers, boolean endStream) {
        s.requestHeaders = headers;
        s.info.requestHeaders = headers; // %REQ(x)% sees them as forwarded, as Envoy's access log does
        s.remoteComplete = endStream;
        if (endStream) {
            s.cancelRequestTimer();
            s.info.mark(StreamTimings.Point.DS_RX_END);
        }
        s.info.requestLine(headers);
        CharSequence method = headers.method();
        CharSequence path = headers.path();
        s.head = method != null && AsciiString.contentEquals("HEAD", method);
        CharSequence ct = headers.get(CONTENT_TYPE);
        // Envoy's hasGrpcContentType: exactly application/grpc or application/grpc+<subtype>; a
        // gRPC-Web request is not gRPC (its local replies are HTTP ones the grpc_web filter maps).
        s.grpc = ct != null && AsciiString.regionMatches(ct, false, 0, "application/grpc", 0, 16)
                && (ct.length() == 16 || ct.charAt(16) == '+');

        if (RequestHeaderChecks.rejected(s, headers, method, path)) {
            return;
        }
        HttpConnectionManager hcm = s.hcm;
        if (hcm.earlyHeaderMutations != null) {
            hcm.earlyHeaderMutations.apply(headers, headers, s);
        }
        s.routes = hcm.routes.current(headers);
        io.remora.tls.ForwardedClientCert.apply(hcm.config.clientCertForwarding(),
                s.cx.info == null ? null : s.cx.info.tls(), headers);
        int rejected = RequestHeaderMutator.mutate(headers, s);
        if (rejected != 0) {
            hcm.stats.downstreamRqRejectedViaIpDetection.increment();
            s.sendLocalReply(rejected, "", null, "rejecting_because_detection_failed");
            return;
        }
        s.info.forwarding(headers);

        HttpConnectionManager.FilterFactoryEntry[] chain = hcm.filterFactories;
        String requested = Upgrades.requested(headers);
        if (requested != null) {
            // Envoy's createUpgradeFilterChain: the route's upgrade_configs, else the connection manager's.
            chain = hcm.upgrades.chain(requested, s.route(), hcm.filterFactories);
            if (chain == null) {
                hcm.stats.downstreamRqWsOnNonWsRoute.increment();
                s.sendLocalReply(403, "", null, "upgrade_failed");
                return;
            }
            s.upgrade = requested;
            s.upgradeActive = true;
            hcm.stats.downstreamCxUpgradesTotal.increment();
            hcm.stats.downstreamCxUpgradesActive.incrementAndGet();
        }
        StreamAccessLogs.onNewRequest(s);
        s.filters = new FilterManager(s, chain, s.route(), s.clusterName);
        s.filters.headers(0, headers, endStream);
    }
}
