package io.remora.xds.translate;

import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.remora.config.CidrRange;
import io.remora.config.FilterChainConfig;
import io.remora.config.FilterChainMatch;

import java.util.ArrayList;
import java.util.List;

/** {@code config.listener.v3.FilterChain} and its {@code filter_chain_match}. */
public final class FilterChainTranslator {

    private FilterChainTranslator() {
    }

    public static FilterChainConfig translate(FilterChain fc, FieldPath path, TranslationContext ctx) {
        FilterChainMatch match = fc.hasFilterChainMatch()
                ? match(fc.getFilterChainMatch(), path.field("filter_chain_match")) : FilterChainMatch.ANY;
        return translate(fc, match, path, ctx);
    }

    /** A chain whose match comes from elsewhere (a flattened filter_chain_matcher). */
    static FilterChainConfig translate(FilterChain fc, FilterChainMatch match, FieldPath path, TranslationContext ctx) {
        var filters = NetworkFilterTranslator.translate(fc.getFiltersList(), path.field("filters"), ctx);
        var counted = fc.hasTransportSocket() ? io.remora.extensions.transport_sockets.tcp_stats
                .TcpStatsSocketTranslator.unwrap(fc.getTransportSocket(), path.field("transport_socket"), ctx) : null;
        var socket = counted != null ? io.remora.extensions.transport_sockets.tap.TapSocketTranslator.unwrap(
                counted.socket(), counted.path(), ctx) : null;
        var tls = socket != null ? TransportSocketTranslator.downstream(socket.socket(), socket.path()) : null;
        java.time.Duration connectTimeout = null;
        if (fc.hasTransportSocketConnectTimeout()) {
            connectTimeout = Protos.duration(fc.getTransportSocketConnectTimeout());
            if (connectTimeout.isNegative()) {
                throw path.field("transport_socket_connect_timeout").error("must not be negative");
            }
        }
        return new FilterChainConfig(fc.getName(), match, filters, tls, connectTimeout,
                socket != null ? socket.tap() : null, counted != null ? counted.tcpStats() : null);
    }

    @SuppressWarnings("deprecation")
    public static FilterChainMatch match(io.envoyproxy.envoy.config.listener.v3.FilterChainMatch m, FieldPath path) {
        int port = 0;
        if (m.hasDestinationPort()) {
            port = m.getDestinationPort().getValue();
            if (port < 1 || port > 65535) {
                throw path.field("destination_port").error("must be in [1, 65535]");
            }
        }
        // Envoy does not implement them either (not-implemented-hide in its API).
        if (!m.getAddressSuffix().isEmpty()) {
            throw path.field("address_suffix").error("not supported");
        }
        if (m.hasSuffixLen()) {
            throw path.field("suffix_len").error("not supported");
        }
        String tp = m.getTransportProtocol();
        if (!tp.isEmpty() && !tp.equals("raw_buffer") && !tp.equals("tls")) {
            throw path.field("transport_protocol").error("unknown transport protocol '" + tp + "'");
        }
        FilterChainMatch.SourceType st = switch (m.getSourceType()) {
            case SAME_IP_OR_LOOPBACK -> FilterChainMatch.SourceType.SAME_IP_OR_LOOPBACK;
            case EXTERNAL -> FilterChainMatch.SourceType.EXTERNAL;
            default -> FilterChainMatch.SourceType.ANY;
        };
        List<Integer> sourcePorts = new ArrayList<>();
        for (int i = 0; i < m.getSourcePortsCount(); i++) {
            int p = m.getSourcePorts(i);
            if (p < 1 || p > 65535) {
                throw path.field("source_ports").index(i).error("must be in [1, 65535]");
            }
            sourcePorts.add(p);
        }
        return new FilterChainMatch(port, cidrs(m.getPrefixRangesList(), path.field("prefix_ranges")),
                List.copyOf(m.getServerNamesList()), tp, List.copyOf(m.getApplicationProtocolsList()), st,
                cidrs(m.getSourcePrefixRangesList(), path.field("source_prefix_ranges")), List.copyOf(sourcePorts),
                cidrs(m.getDirectSourcePrefixRangesList(), path.field("direct_source_prefix_ranges")));
    }

    static List<CidrRange> cidrs(List<io.envoyproxy.envoy.config.core.v3.CidrRange> in, FieldPath path) {
        List<CidrRange> out = new ArrayList<>(in.size());
        for (int i = 0; i < in.size(); i++) {
            out.add(AddressTranslator.cidr(in.get(i), path.index(i)));
        }
        return List.copyOf(out);
    }
}
