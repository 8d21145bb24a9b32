package io.remora.extensions.filters.http.dynamic_forward_proxy;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.accesslog.ResponseFlag;
import io.remora.config.ClusterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.upstream.Cluster;
import io.remora.upstream.DnsCache;
import io.remora.upstream.DnsCacheEntry;
import io.remora.upstream.TransportSocketFactory;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One stream of Envoy's dynamic forward proxy filter: for a route to a dynamic forward proxy
 * cluster, the request's host (after the route's host rewrite) is looked up in the DNS cache,
 * the request waiting while a first lookup runs; a host without an address ends in 503 with
 * response flag DF. Requests to other clusters pass untouched.
 */
final class DynamicForwardProxyFilter implements StreamDecoderFilter, DnsCache.Waiter {

    private final DynamicForwardProxyFilterFactory factory;
    private DecoderFilterCallbacks cb;
    /** True while this stream holds a pending-lookup slot of the cache's circuit breaker. */
    private boolean pending;
    private boolean destroyed;

    DynamicForwardProxyFilter(DynamicForwardProxyFilterFactory factory) {
        this.factory = factory;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.cb = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        DnsCache cache = factory.cache;
        String clusterName = cb.clusterName();
        Cluster cluster = cache == null || clusterName == null ? null
                : cb.serverContext().clusterManager().get(clusterName);
        if (cluster == null || cluster.config().type() != ClusterConfig.DiscoveryType.DYNAMIC_FORWARD_PROXY) {
            return FilterStatus.CONTINUE;
        }
        int defaultPort = cluster.transportSocketFactory() != TransportSocketFactory.RAW ? 443 : 80;
        if (cb.perFilterConfig() instanceof DynamicForwardProxyPerRoute route) {
            rewriteHost(route, headers);
        }
        CharSequence authority = headers.authority();
        if (authority == null || authority.length() == 0) {
            cb.sendLocalReply(400, "Empty host header", null, "empty_host_header");
            return FilterStatus.STOP_ITERATION;
        }
        if (!cache.tryPending()) {
            cb.sendLocalReply(503, "Dynamic forward proxy pending request overflow", null,
                    "dynamic_forward_proxy_pending_request_overflow");
            return FilterStatus.STOP_ITERATION;
        }
        pending = true;
        String key = DnsCache.key(authority.toString(), defaultPort);
        switch (cache.load(key, this)) {
            case LOADING:
                return FilterStatus.STOP_ALL_ITERATION_AND_BUFFER;
            case OVERFLOW:
                release();
                cb.sendLocalReply(503, "DNS cache overflow", null, "dns_cache_overflow");
                return FilterStatus.STOP_ITERATION;
            default:
                release();
                return loaded(cache.entry(key)) ? FilterStatus.CONTINUE : FilterStatus.STOP_ITERATION;
        }
    }

    /** Envoy's PerRouteConfig: the literal, or the first value of the header when the request has it. */
    private static void rewriteHost(DynamicForwardProxyPerRoute route, Http2Headers headers) {
        if (route.hostRewriteLiteral() != null && !route.hostRewriteLiteral().isEmpty()) {
            headers.authority(route.hostRewriteLiteral());
        }
        if (route.hostRewriteHeader() != null && !route.hostRewriteHeader().isEmpty()) {
            List<CharSequence> values = headers.getAll(route.hostRewriteHeader());
            if (!values.isEmpty()) {
                headers.authority(values.get(0));
            }
        }
    }

    /** Called on the DNS thread: the stream goes on on its own event loop. */
    @Override
    public void onLoaded(DnsCacheEntry entry) {
        cb.eventLoop().execute(() -> {
            if (destroyed) {
                return;
            }
            release();
            if (loaded(entry)) {
                cb.continueDecoding();
            }
        });
    }

    /** True when the host has an address (left in the filter state if asked); else the 503 is sent. */
    private boolean loaded(DnsCacheEntry entry) {
        InetSocketAddress address = entry == null ? null : entry.address();
        if (address == null) {
            String details = entry == null || entry.details().isEmpty()
                    ? "dns_resolution_failure{no_host}" : entry.details();
            cb.sendLocalReply(503, "DNS resolution failure", ResponseFlag.DNS_RESOLUTION_FAILURE, details);
            return false;
        }
        if (factory.config.saveUpstreamAddress()) {
            cb.filterState().set(DnsCacheEntry.UPSTREAM_ADDRESS, entry.addressString(), FilterState.Mutability.MUTABLE);
        }
        return true;
    }

    private void release() {
        if (pending) {
            pending = false;
            factory.cache.releasePending();
        }
    }

    @Override
    public void onDestroy() {
        destroyed = true;
        release();
    }
}
