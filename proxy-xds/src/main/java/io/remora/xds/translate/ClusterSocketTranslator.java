package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.remora.config.ClusterConfig;
import io.remora.config.PassthroughMetadata;
import io.remora.config.TcpStatsConfig;
import io.remora.config.TransportSocketConfig;
import io.remora.config.UpstreamProxyProtocolConfig;
import io.remora.extensions.transport_sockets.http_11_proxy.Http11ProxySocketTranslator;
import io.remora.extensions.transport_sockets.tap.TapSocketTranslator;
import io.remora.extensions.transport_sockets.tcp_stats.TcpStatsSocketTranslator;
import io.remora.network.SocketTap;

import java.util.ArrayList;
import java.util.List;

/**
 * A cluster's {@code transport_socket} with its wrappers taken apart, outermost first: tcp_stats,
 * tap, http_11_proxy, then upstream_proxy_protocol and internal_upstream around raw_buffer or
 * tls; and its {@code transport_socket_matches} (the last two wrappers only).
 */
final class ClusterSocketTranslator {

    record Sockets(TransportSocketConfig tls, List<PassthroughMetadata> passthrough,
                   UpstreamProxyProtocolConfig proxyProtocol, SocketTap.Config socketTap, TcpStatsConfig tcpStats,
                   boolean http11Proxy, List<ClusterConfig.TransportSocketMatch> matches) {
    }

    private ClusterSocketTranslator() {
    }

    static Sockets translate(Cluster c, FieldPath path, TranslationContext ctx) {
        TransportSocketConfig tls = null;
        List<PassthroughMetadata> passthrough = List.of();
        UpstreamProxyProtocolConfig proxyProtocol = null;
        SocketTap.Config socketTap = null;
        TcpStatsConfig tcpStats = null;
        boolean http11Proxy = false;
        if (c.hasTransportSocket()) {
            var counted = TcpStatsSocketTranslator.unwrap(c.getTransportSocket(), path.field("transport_socket"), ctx);
            tcpStats = counted.tcpStats();
            var tapped = TapSocketTranslator.unwrap(counted.socket(), counted.path(), ctx);
            socketTap = tapped.tap();
            var proxied = Http11ProxySocketTranslator.unwrap(tapped.socket(), tapped.path());
            http11Proxy = proxied.http11Proxy();
            // internal_upstream wraps the socket used towards internal listeners, upstream_proxy_protocol
            // one that sends a PROXY header first.
            var ts = UpstreamProxyProtocolTranslator.upstream(proxied.socket(), proxied.path(), ctx);
            tls = ts.tls();
            passthrough = ts.passthrough();
            proxyProtocol = ts.proxy();
        }
        List<ClusterConfig.TransportSocketMatch> matches = new ArrayList<>();
        for (int i = 0; i < c.getTransportSocketMatchesCount(); i++) {
            Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
            FieldPath mp = path.field("transport_socket_matches").index(i);
            var ts = m.hasTransportSocket() ? UpstreamProxyProtocolTranslator.upstream(m.getTransportSocket(),
                    mp.field("transport_socket"), ctx) : null;
            matches.add(new ClusterConfig.TransportSocketMatch(m.getName(), Protos.structMap(m.getMatch()),
                    ts == null ? null : ts.tls(), ts == null ? List.of() : ts.passthrough(),
                    ts == null ? null : ts.proxy()));
        }
        return new Sockets(tls, passthrough, proxyProtocol, socketTap, tcpStats, http11Proxy, matches);
    }
}
