package io.remora.xds.translate;

import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.remora.config.ClusterLoadAssignment;

import java.util.ArrayList;
import java.util.List;

/** {@code config.endpoint.v3.ClusterLoadAssignment} (a cluster's load_assignment, or EDS). */
public final class EndpointTranslator {

    private static final int DEFAULT_OVERPROVISIONING = 140;

    private EndpointTranslator() {
    }

    /** A load assignment translated on its own, its warnings logged. */
    public static ClusterLoadAssignment translate(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment a,
                                                  FieldPath path) {
        return translate(a, path, TranslationContext.lenient());
    }

    /**
     * {@code named_endpoints} and a locality's {@code proximity} are not implemented by Envoy either (hidden in its
     * API): both are ignored with a warning. LEDS is refused.
     */
    public static ClusterLoadAssignment translate(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment a,
                                                  FieldPath path, TranslationContext ctx) {
        if (a.getNamedEndpointsCount() > 0) {
            ctx.warnOnce("eds:named_endpoints", "ignoring named_endpoints (not implemented by Envoy either), first at "
                    + path.field("named_endpoints"));
        }
        List<ClusterLoadAssignment.LocalityLbEndpoints> localities = new ArrayList<>();
        for (int i = 0; i < a.getEndpointsCount(); i++) {
            var l = a.getEndpoints(i);
            FieldPath lp = path.field("endpoints").index(i);
            if (l.hasLedsClusterLocalityConfig()) {
                throw lp.field("leds_cluster_locality_config").error("LEDS is not supported; list the endpoints in"
                        + " lb_endpoints");
            }
            if (l.hasProximity()) {
                ctx.warnOnce("eds:proximity", "ignoring proximity (not implemented by Envoy either), first at "
                        + lp.field("proximity"));
            }
            List<ClusterLoadAssignment.LbEndpoint> eps = new ArrayList<>();
            java.net.InetSocketAddress localityProxy = Http11ProxyAddresses.of(l.getMetadata(),
                    lp.field("metadata").field("typed_filter_metadata"));
            for (int j = 0; j < l.getLbEndpointsCount(); j++) {
                eps.add(endpoint(l.getLbEndpoints(j), lp.field("lb_endpoints").index(j), localityProxy));
            }
            ClusterLoadAssignment.Locality loc = l.hasLocality()
                    ? new ClusterLoadAssignment.Locality(l.getLocality().getRegion(), l.getLocality().getZone(),
                    l.getLocality().getSubZone())
                    : ClusterLoadAssignment.Locality.NONE;
            localities.add(new ClusterLoadAssignment.LocalityLbEndpoints(loc,
                    Protos.uint(l.hasLoadBalancingWeight(), l.getLoadBalancingWeight(), 0), l.getPriority(),
                    List.copyOf(eps)));
        }
        int over = a.hasPolicy() && a.getPolicy().hasOverprovisioningFactor()
                ? a.getPolicy().getOverprovisioningFactor().getValue() : DEFAULT_OVERPROVISIONING;
        return new ClusterLoadAssignment(a.getClusterName(), List.copyOf(localities), over,
                policy(a.getPolicy(), path.field("policy")));
    }

    /** drop_overloads (Envoy takes one category at most), endpoint_stale_after, weighted_priority_health. */
    private static ClusterLoadAssignment.Policy policy(
            io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.Policy p, FieldPath path) {
        if (p.getDropOverloadsCount() > 1) {
            throw path.field("drop_overloads").error("has " + p.getDropOverloadsCount()
                    + " categories; only one is supported (as Envoy)");
        }
        String category = null;
        double fraction = 0;
        if (p.getDropOverloadsCount() == 1) {
            var drop = p.getDropOverloads(0);
            category = drop.getCategory();
            if (category.isEmpty()) {
                throw path.field("drop_overloads").index(0).field("category").error("must not be empty");
            }
            var pct = drop.getDropPercentage();
            double denominator = switch (pct.getDenominator()) {
                case HUNDRED -> 100;
                case TEN_THOUSAND -> 10_000;
                case MILLION -> 1_000_000;
                default -> throw path.field("drop_overloads").index(0).field("drop_percentage").field("denominator")
                        .error("unknown denominator " + pct.getDenominatorValue());
            };
            fraction = Integer.toUnsignedLong(pct.getNumerator()) / denominator;
            if (fraction > 1) {
                throw path.field("drop_overloads").index(0).field("drop_percentage")
                        .error("must not be more than 100%");
            }
        }
        java.time.Duration stale = null;
        if (p.hasEndpointStaleAfter()) {
            stale = Protos.duration(p.getEndpointStaleAfter());
            if (stale.isNegative() || stale.isZero()) {
                throw path.field("endpoint_stale_after").error("must be greater than 0");
            }
        }
        if (category == null && stale == null && !p.getWeightedPriorityHealth()) {
            return ClusterLoadAssignment.Policy.NONE;
        }
        return new ClusterLoadAssignment.Policy(category, fraction, stale, p.getWeightedPriorityHealth());
    }

    /** @param localityProxy the HTTP/1.1 proxy its locality's metadata names, or null */
    static ClusterLoadAssignment.LbEndpoint endpoint(LbEndpoint e, FieldPath path,
                                                     java.net.InetSocketAddress localityProxy) {
        if (!e.hasEndpoint()) {
            if (e.hasEndpointName()) {
                throw path.field("endpoint_name").error("named endpoints are not supported (nor by Envoy)");
            }
            throw path.error("missing required field: endpoint");
        }
        FieldPath ep = path.field("endpoint");
        if (!e.getEndpoint().hasAddress()) {
            throw ep.field("address").error("missing required field");
        }
        var address = AddressTranslator.translate(e.getEndpoint().getAddress(), ep.field("address"));
        int weight = Protos.uint(e.hasLoadBalancingWeight(), e.getLoadBalancingWeight(), 1);
        if (weight == 0) {
            throw path.field("load_balancing_weight").error("must be at least 1");
        }
        ClusterLoadAssignment.HealthStatus hs = switch (e.getHealthStatus()) {
            case HEALTHY -> ClusterLoadAssignment.HealthStatus.HEALTHY;
            case UNHEALTHY -> ClusterLoadAssignment.HealthStatus.UNHEALTHY;
            case DRAINING -> ClusterLoadAssignment.HealthStatus.DRAINING;
            case TIMEOUT -> ClusterLoadAssignment.HealthStatus.TIMEOUT;
            case DEGRADED -> ClusterLoadAssignment.HealthStatus.DEGRADED;
            default -> ClusterLoadAssignment.HealthStatus.UNKNOWN;
        };
        // Envoy matches transport_socket_matches against this filter's metadata (Istio's tlsMode).
        var md = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
        // envoy.lb: canary and the labels retry host predicates (omit_host_metadata) match.
        var lb = e.getMetadata().getFilterMetadataMap().get("envoy.lb");
        // The rest, e.g. Istio's istio.workload that istio.stats falls back to without a peer exchange.
        java.util.Map<String, java.util.Map<String, Object>> other = new java.util.HashMap<>();
        e.getMetadata().getFilterMetadataMap().forEach((ns, struct) -> {
            if (!ns.equals("envoy.transport_socket_match") && !ns.equals("envoy.lb")) {
                other.put(ns, Protos.structMap(struct));
            }
        });
        return new ClusterLoadAssignment.LbEndpoint(address, weight, hs, e.getEndpoint().getHostname(),
                md == null ? java.util.Map.of() : Protos.structMap(md), lb == null ? java.util.Map.of() : Protos.structMap(lb),
                other, proxyProtocolTlvs(e, path.field("metadata").field("typed_filter_metadata")),
                http11Proxy(e, path, localityProxy),
                e.getEndpoint().hasHealthCheckConfig() ? healthCheck(e.getEndpoint().getHealthCheckConfig(),
                        ep.field("health_check_config")) : null,
                additionalAddresses(e.getEndpoint(), ep.field("additional_addresses")));
    }

    /**
     * {@code Endpoint.additional_addresses}: more addresses of the same host, which connections try
     * by happy eyeballs. Envoy takes IP addresses only ("additional_addresses must be IP addresses").
     */
    private static java.util.List<io.remora.config.Address> additionalAddresses(
            io.envoyproxy.envoy.config.endpoint.v3.Endpoint e, FieldPath path) {
        if (e.getAdditionalAddressesCount() == 0) {
            return java.util.List.of();
        }
        java.util.List<io.remora.config.Address> out = new java.util.ArrayList<>(e.getAdditionalAddressesCount());
        for (int i = 0; i < e.getAdditionalAddressesCount(); i++) {
            FieldPath ap = path.index(i).field("address");
            if (!e.getAdditionalAddresses(i).hasAddress()) {
                throw ap.error("missing required field");
            }
            var a = AddressTranslator.translate(e.getAdditionalAddresses(i).getAddress(), ap);
            if (!(a instanceof io.remora.config.Address.Tcp tcp) || (!io.netty.util.NetUtil.isValidIpV4Address(tcp.host())
                    && !io.netty.util.NetUtil.isValidIpV6Address(tcp.host()))) {
                throw ap.error("additional_addresses must be IP addresses");
            }
            out.add(a);
        }
        return out;
    }

    /** {@code Endpoint.health_check_config}; Envoy resolves its address as an IP, never by DNS. */
    private static ClusterLoadAssignment.EndpointHealthCheck healthCheck(
            io.envoyproxy.envoy.config.endpoint.v3.Endpoint.HealthCheckConfig c, FieldPath path) {
        if (c.getPortValue() > 65535) {
            throw path.field("port_value").error("value must be less than or equal to 65535");
        }
        java.net.InetSocketAddress address = null;
        if (c.hasAddress()) {
            FieldPath ap = path.field("address");
            if (!(AddressTranslator.translate(c.getAddress(), ap) instanceof io.remora.config.Address.Tcp tcp)) {
                throw ap.error("a health check address must be a socket address");
            }
            if (!io.netty.util.NetUtil.isValidIpV4Address(tcp.host()) && !io.netty.util.NetUtil.isValidIpV6Address(tcp.host())) {
                throw ap.field("socket_address").field("address").error("malformed IP address: " + tcp.host());
            }
            address = new java.net.InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(tcp.host()),
                    tcp.port());
        }
        return new ClusterLoadAssignment.EndpointHealthCheck(address, c.getPortValue(),
                c.getHostname().isEmpty() ? null : c.getHostname(), c.getDisableActiveHealthCheck());
    }

    /** The endpoint's own proxy address wins over its locality's (Envoy's http_11_proxy lookup order). */
    private static java.net.InetSocketAddress http11Proxy(LbEndpoint e, FieldPath path,
                                                          java.net.InetSocketAddress localityProxy) {
        java.net.InetSocketAddress own = Http11ProxyAddresses.of(e.getMetadata(),
                path.field("metadata").field("typed_filter_metadata"));
        return own != null ? own : localityProxy;
    }

    /**
     * The endpoint's {@code envoy.transport_sockets.proxy_protocol} typed metadata
     * ({@code config.core.v3.PerHostConfig}): TLVs upstream_proxy_protocol sends to it alone.
     */
    private static List<io.remora.config.ProxyProtocolTlv> proxyProtocolTlvs(LbEndpoint e, FieldPath path) {
        com.google.protobuf.Any any = e.getMetadata().getTypedFilterMetadataMap()
                .get("envoy.transport_sockets.proxy_protocol");
        if (any == null) {
            return List.of();
        }
        FieldPath p = path.field("envoy.transport_sockets.proxy_protocol");
        var host = Protos.unpack(any, io.envoyproxy.envoy.config.core.v3.PerHostConfig.class, p);
        return UpstreamProxyProtocolTranslator.tlvs(host.getAddedTlvsList(), p.field("added_tlvs"));
    }
}
