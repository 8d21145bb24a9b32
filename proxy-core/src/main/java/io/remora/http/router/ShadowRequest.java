package io.remora.http.router;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.remora.http.HeaderBlock;
import io.netty.util.concurrent.ScheduledFuture;
import io.remora.config.ClusterConfig.UpstreamProtocol;
import io.remora.config.ForwardAction;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.upstream.ConnectionPools;
import io.remora.http.upstream.ResetReason;
import io.remora.http.upstream.UpstreamCallbacks;
import io.remora.http.upstream.UpstreamStream;
import io.remora.upstream.Cluster;
import io.remora.upstream.Host;
import io.remora.upstream.LoadBalancerContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A request_mirror_policies copy: fire-and-forget to the mirror cluster with "-shadow" appended
 * to the host, the response discarded. It owns duplicates of the body, so it outlives the stream.
 * The static part samples a route's mirror policies when the request starts and sends the copies
 * when the request has ended.
 */
final class ShadowRequest implements UpstreamCallbacks {
    private final Cluster cluster;
    private final Host host;
    private final Http2Headers headers;
    private final List<ByteBuf> body;
    private final Http2Headers trailers;
    private UpstreamStream stream;
    private ScheduledFuture<?> timer;
    private boolean over;

    private ShadowRequest(Cluster cluster, Host host, Http2Headers headers, List<ByteBuf> body, Http2Headers trailers) {
        this.cluster = cluster;
        this.host = host;
        this.headers = headers;
        this.body = body;
        this.trailers = trailers;
    }

    /**
     * A mirror this request goes to; {@code hostSuffix}: "-shadow" is appended to its host;
     * {@code traceSampled}: the copy's trace decision, null to keep the request's.
     */
    record Mirror(Cluster cluster, boolean hostSuffix, Boolean traceSampled) {
    }

    /**
     * The mirrors this request goes to (each policy's runtime fraction sampled; a
     * {@code cluster_header} naming no known cluster mirrors nothing), or null for none.
     */
    static List<Mirror> sample(List<ForwardAction.MirrorPolicy> policies, DecoderFilterCallbacks cb) {
        if (policies == null || policies.isEmpty()) {
            return null;
        }
        List<Mirror> mirrors = null;
        for (ForwardAction.MirrorPolicy mp : policies) {
            Integer f = mp.fractionPerMillion();
            if (f != null && ThreadLocalRandom.current().nextInt(1_000_000) >= f) {
                continue;
            }
            String name = mp.cluster();
            if (name == null) {
                Http2Headers request = cb.requestHeaders();
                CharSequence v = request == null ? null : request.get(mp.clusterHeader());
                name = v == null || v.length() == 0 ? null : v.toString();
            }
            Cluster m = name == null ? null : cb.serverContext().clusterManager().get(name);
            if (m != null) {
                if (mirrors == null) {
                    mirrors = new ArrayList<>(1);
                }
                mirrors.add(new Mirror(m, !mp.disableShadowHostSuffixAppend(), mp.traceSampled()));
            }
        }
        return mirrors;
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

    /** Sends the whole request (the router holds its body) to each mirror. */
    static void sendAll(RouterFilter r, List<Mirror> mirrors) {
        for (Mirror m : mirrors) {
            send(r.cb, m, r.requestHeaders, r.body.chunks(), r.requestTrailers,
                    r.globalTimeoutMillis, RouterFilter.protocolOf(m.cluster(), r.cb.downstreamProtocol()));
        }
    }

    static void send(DecoderFilterCallbacks cb, Mirror m, Http2Headers request,
                     List<ByteBuf> chunks, Http2Headers trailers, long timeoutMillis, UpstreamProtocol protocol) {
        Cluster mirror = m.cluster();
        Cluster cluster = mirror.pickCluster(LoadBalancerContext.NONE);
        Host host = cluster == null ? null : cluster.chooseHost(LoadBalancerContext.NONE);
        if (host == null || !cluster.limits().tryAcquireRequest()) {
            return;
        }
        Http2Headers h = HeaderBlock.of(request).copy(0);
        CharSequence authority = h.authority();
        if (authority != null && m.hostSuffix()) {
            h.authority(shadowHost(authority.toString()));
        }
        if (m.traceSampled() != null) {
            traceDecision(cb, h, m.traceSampled());
        }
        List<ByteBuf> copy = new ArrayList<>(chunks.size());
        for (ByteBuf b : chunks) {
            copy.add(b.retainedDuplicate());
        }
        ShadowRequest s = new ShadowRequest(cluster, host, h, copy, trailers);
        cluster.stats().upstreamRqTotal.increment();
        cluster.stats().upstreamRqActive.incrementAndGet();
        if (timeoutMillis > 0) {
            s.timer = cb.eventLoop().schedule(s::timeout, timeoutMillis, TimeUnit.MILLISECONDS);
        }
        io.remora.network.ConnectionInfo ci = cb.connection();
        // Envoy's shadow runs its own router: auto_sni sees the "-shadow" host.
        ConnectionPools.get(cb.eventLoop(), cb.serverContext().transport(), cluster, host,
                cluster == mirror ? protocol : RouterFilter.protocolOf(cluster, cb.downstreamProtocol()),
                io.remora.http.upstream.PoolOptions.of(ci == null ? null : ci.originalSource(), null,
                        AutoSniNames.forCluster(cluster, h),
                        io.remora.http.upstream.PoolOptions.proxyProtocolFor(cluster, cb.filterState(), ci)))
                .newStream(s);
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

    private void timeout() {
        timer = null;
        cluster.stats().upstreamRqTimeout.increment();
        if (stream != null && !over) {
            stream.reset();
        }
        end();
    }

    private void end() {
        if (over) {
            return;
        }
        over = true;
        if (timer != null) {
            timer.cancel(false);
        }
        for (ByteBuf b : body) {
            b.release();
        }
        body.clear();
        cluster.limits().requests.decrementAndGet();
        cluster.stats().upstreamRqActive.decrementAndGet();
    }

    @Override
    public void onPoolReady(UpstreamStream s) {
        if (over) {
            s.reset();
            return;
        }
        stream = s;
        boolean noBody = body.isEmpty() && trailers == null;
        s.writeHeaders(headers, noBody);
        for (int i = 0; i < body.size(); i++) {
            s.writeData(body.get(i), trailers == null && i == body.size() - 1);
        }
        body.clear();
        if (trailers != null) {
            s.writeTrailers(trailers);
        }
    }

    @Override
    public void onPoolFailure(ResetReason reason, String transportFailureReason) {
        end();
    }

    @Override
    public void onResponseHeaders(Http2Headers h, boolean endStream) {
        cluster.stats().response(io.remora.http.upstream.HeaderConversion.parseStatus(h.status()));
        if (endStream) {
            end();
        }
    }

    @Override
    public void onResponseData(ByteBuf data, boolean endStream) {
        data.release();
        if (endStream) {
            end();
        }
    }

    @Override
    public void onResponseTrailers(Http2Headers t) {
        end();
    }

    @Override
    public void onReset(ResetReason reason) {
        end();
    }

    @Override
    public void onWritabilityChanged(boolean writable) {
        // Fire-and-forget: the copy is already in memory.
    }
}
