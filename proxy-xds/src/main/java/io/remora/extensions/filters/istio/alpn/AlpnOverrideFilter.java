package io.remora.extensions.filters.istio.alpn;

import io.netty.handler.codec.http2.Http2Headers;
import io.remora.config.ClusterConfig;
import io.remora.http.filter.DecoderFilterCallbacks;
import io.remora.http.filter.FilterStatus;
import io.remora.http.filter.StreamDecoderFilter;
import io.remora.network.FilterState;
import io.remora.upstream.Cluster;

import java.util.List;

/**
 * Picks the ALPN override for the protocol the request will use upstream (the route's cluster's
 * protocol, or the downstream one where the cluster follows it) and leaves it in filter state
 * under Envoy's {@code envoy.network.application_protocols}, where Envoy's upstream TLS reads it.
 */
final class AlpnOverrideFilter implements StreamDecoderFilter {

    static final String APPLICATION_PROTOCOLS = io.remora.upstream.TransportSocketOptions.APPLICATION_PROTOCOLS;

    private final AlpnOverrideConfig config;
    private DecoderFilterCallbacks callbacks;

    AlpnOverrideFilter(AlpnOverrideConfig config) {
        this.config = config;
    }

    @Override
    public void setDecoderFilterCallbacks(DecoderFilterCallbacks callbacks) {
        this.callbacks = callbacks;
    }

    @Override
    public FilterStatus decodeHeaders(Http2Headers headers, boolean endStream) {
        String name = callbacks.clusterName();
        Cluster cluster = name == null ? null : callbacks.serverContext().clusterManager().get(name);
        if (cluster == null) {
            return FilterStatus.CONTINUE;
        }
        List<String> alpn = config.overrides().get(upstreamProtocol(cluster.config().protocol()));
        if (alpn != null && !alpn.isEmpty()) {
            callbacks.filterState().set(APPLICATION_PROTOCOLS, alpn, FilterState.Mutability.MUTABLE);
        }
        return FilterStatus.CONTINUE;
    }

    private String upstreamProtocol(ClusterConfig.UpstreamProtocol p) {
        if (p == ClusterConfig.UpstreamProtocol.HTTP2) {
            return "HTTP2";
        }
        if (p == ClusterConfig.UpstreamProtocol.USE_DOWNSTREAM) {
            String d = callbacks.downstreamProtocol();
            if (d != null && (d.startsWith("HTTP/2") || d.equals("h2"))) {
                return "HTTP2";
            }
            if ("HTTP/1.0".equals(d)) {
                return "HTTP10";
            }
        }
        return "HTTP11";
    }
}
