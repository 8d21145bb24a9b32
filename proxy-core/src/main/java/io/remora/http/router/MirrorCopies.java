package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.http.HeaderBlock;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.upstream.Cancellable;
import io.remora.http.upstream.ConnectionPools;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.util.ArrayList;
import java.util.List;

/**
 * The router's copies of one request to its request_mirror_policies ({@link ShadowRequest} each):
 * where each goes (its cluster's host, the "-shadow" authority, the trace decision) and the body
 * and trailers handed to all of them as the request passes.
 */
final class MirrorCopies {
    private MirrorCopies() {
    }

    /**
     * trace_sampled: Envoy gives the shadow a child span with this decision. Remora's shadow has no
     * span of its own, so the copy carries the request's span with the decision replaced. Untraced
     * requests (no tracing) are left alone, as Envoy's null span.
     */
    private static void traceDecision(DecoderFilterCallbacks cb, Http2Headers h, boolean sampled) {
        if (cb.streamInfo() == null || cb.streamInfo().traceId() == null) {
            return;
        }
        io.remora.tracing.TraceContext.overrideSampled(h, sampled);
    }

    /**
     * Starts a copy of the request to each mirror, its headers as the router sent them; the copies
     * still waiting for body (null when none): the router passes them the rest of the request.
     */
    static List<ShadowRequest> startAll(RouterFilter r, List<MirrorSampling.Mirror> mirrors, boolean endStream) {
        List<ShadowRequest> open = null;
        for (MirrorSampling.Mirror m : mirrors) {
            ShadowRequest s = start(r.cb, m, r.requestHeaders, endStream, r.globalTimeoutMillis, r.retainLimit(),
                    Attempts.protocolOf(m.cluster(), r.cb.downstreamProtocol()));
            if (s != null && !endStream && !s.over) {
                if (open == null) {
                    open = new ArrayList<>(mirrors.size());
                }
                open.add(s);
            }
        }
        return open;
    }

    private static ShadowRequest start(DecoderFilterCallbacks cb, MirrorSampling.Mirror m, Http2Headers request, boolean endStream,
                                       long timeoutMillis, int bufferLimit, UpstreamProtocol protocol) {
        Cluster mirror = m.cluster();
        Cluster cluster = mirror.pickCluster(LoadBalancerContext.NONE);
        Host host = cluster == null ? null : cluster.chooseHost(LoadBalancerContext.NONE);
        if (host == null) {
            // Envoy's shadow runs a router of its own, which finds no healthy host: only the copy is lost.
            mirror.stats().upstreamCxNoneHealthy.increment();
            // Its sendNoHealthyUpstreamResponse charges the 503 (an async client's router keeps dynamic stats).
            mirror.stats().response(503);
            return null;
        }
        Http2Headers h = HeaderBlock.of(request).copy(0);
        CharSequence authority = h.authority();
        if (authority != null && m.hostSuffix()) {
            h.authority(shadowHost(authority.toString()));
        }
        if (m.traceSampled() != null) {
            traceDecision(cb, h, m.traceSampled());
        }
        // A buffer limit of at least one byte: as Envoy's, a body the shadow holds always pushes back.
        ShadowRequest s = new ShadowRequest(cluster, host, cb, h, timeoutMillis, Math.max(1, bufferLimit));
        if (endStream) {
            s.requestEnded();
        }
        io.remora.network.ConnectionInfo ci = cb.connection();
        // Envoy's shadow runs its own router: auto_sni sees the "-shadow" host.
        Cancellable c = ConnectionPools.get(cb.eventLoop(), cb.serverContext().transport(), cluster, host,
                cluster == mirror ? protocol : Attempts.protocolOf(cluster, cb.downstreamProtocol()),
                io.remora.http.upstream.PoolOptions.of(ci == null ? null : ci.originalSource(), null,
                        AutoSniNames.forCluster(cluster, h),
                        io.remora.http.upstream.PoolOptions.proxyProtocolFor(cluster, cb.filterState(), ci)))
                .newStream(s);
        if (s.stream == null && !s.over) {
            s.poolRequest = c;
        }
        return s;
    }

    /** A chunk of the request's body for each copy (the router keeps {@code data}); the last ends them. */
    static void data(List<ShadowRequest> copies, ByteBuf data, boolean endStream) {
        for (int i = 0; i < copies.size(); i++) {
            copies.get(i).data(data.retainedDuplicate(), endStream);
        }
    }

    /** The request's trailers end each copy. */
    static void trailers(List<ShadowRequest> copies, Http2Headers trailers) {
        for (int i = 0; i < copies.size(); i++) {
            copies.get(i).trailers(HeaderBlock.of(trailers).copy(0));
        }
    }

    /** The body the copies hold until their streams are ready. */
    static long pendingBytes(List<ShadowRequest> copies) {
        long n = 0;
        for (int i = 0; i < copies.size(); i++) {
            n += copies.get(i).pendingBytes;
        }
        return n;
    }

    /** The router is destroyed before the request ended: as Envoy's, copies still taking body are cancelled. */
    static void cancelAll(List<ShadowRequest> copies) {
        for (int i = 0; i < copies.size(); i++) {
            ShadowRequest s = copies.get(i);
            if (!s.over && s.stream != null) {
                s.cluster.stats().upstreamRqTxReset.increment();
            }
            s.abandon();
        }
    }

    /** Envoy appends "-shadow" to the host, before any port. */
    static String shadowHost(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon > 0 && authority.indexOf(']') < colon && authority.indexOf(':') == colon) {
            return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
        }
        if (authority.startsWith("[") && authority.contains("]:")) {
            int i = authority.lastIndexOf("]:") + 1;
            return authority.substring(0, i) + "-shadow" + authority.substring(i);
        }
        return authority + "-shadow";
    }
}
