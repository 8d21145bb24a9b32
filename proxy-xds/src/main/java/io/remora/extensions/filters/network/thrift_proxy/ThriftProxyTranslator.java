package io.remora.extensions.filters.network.thrift_proxy;

import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ProtocolType;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.ThriftProxy;
import io.envoyproxy.envoy.extensions.filters.network.thrift_proxy.v3.TransportType;
import io.remora.extensions.filters.common.FilterProtos;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.HeaderTranslator;
import io.remora.xds.translate.Protos;
import io.remora.xds.translate.TranslationContext;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** ThriftProxy and ThriftProtocolOptions protos to {@link ThriftProxyConfig}, refusing what is not built. */
public final class ThriftProxyTranslator {

    private ThriftProxyTranslator() {
    }

    static ThriftProxyConfig translate(ThriftProxy t, FieldPath path, TranslationContext ctx) {
        if (t.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("must not be empty");
        }
        ThriftProxyConfig.Builder b = ThriftProxyConfig.builder(t.getStatPrefix())
                .transport(transport(t.getTransport(), path.field("transport")))
                .protocol(protocol(t.getProtocol(), path.field("protocol")))
                .headerKeysPreserveCase(t.getHeaderKeysPreserveCase());
        if (t.hasMaxRequestsPerConnection()) {
            b.maxRequestsPerConnection(Protos.clampInt(t.getMaxRequestsPerConnection().getValue()));
        }
        if (t.hasTrds()) {
            throw path.field("trds").error("thrift route discovery (TRDS) is not supported");
        }
        b.accessLogs(io.remora.xds.translate.AccessLogTranslator.translate(t.getAccessLogList(), path.field("access_log"), ctx));
        // payload_passthrough: a struct whose protocol need not change is forwarded as it came
        // (only its message begin is rewritten) with or without the option; it sets the stats.
        b.payloadPassthrough(t.getPayloadPassthrough());
        ThriftFiltersTranslator.translate(t.getThriftFiltersList(), path.field("thrift_filters"), b, ctx);
        List<ThriftRoute> routes = new ArrayList<>();
        FieldPath rp = path.field("route_config").field("routes");
        for (int i = 0; i < t.getRouteConfig().getRoutesCount(); i++) {
            routes.add(route(t.getRouteConfig().getRoutes(i), rp.index(i)));
        }
        var rc = t.getRouteConfig();
        // validate_clusters: true by default for this static table (TRDS is refused above), as Envoy.
        if (Protos.bool(rc.hasValidateClusters(), rc.getValidateClusters(), true)) {
            requireClusters(rc.getRoutesList(), rp, ctx);
        }
        return b.routes(routes).build();
    }

    /**
     * Envoy's validateClusters: a route's cluster or weighted clusters must exist (a cluster_header's cannot be
     * known; mirror clusters are not checked).
     */
    private static void requireClusters(List<Route> rs, FieldPath rp, TranslationContext ctx) {
        for (int i = 0; i < rs.size(); i++) {
            RouteAction a = rs.get(i).getRoute();
            FieldPath ap = rp.index(i).field("route");
            if (a.hasWeightedClusters()) {
                for (int j = 0; j < a.getWeightedClusters().getClustersCount(); j++) {
                    ctx.requireCluster(ap.field("weighted_clusters").field("clusters").index(j).field("name"),
                            a.getWeightedClusters().getClusters(j).getName());
                }
            } else if (!a.getCluster().isEmpty()) {
                ctx.requireCluster(ap.field("cluster"), a.getCluster());
            }
        }
    }

    private static ThriftRoute route(Route r, FieldPath path) {
        var m = r.getMatch();
        FieldPath mp = path.field("match");
        String method = null;
        String service = null;
        switch (m.getMatchSpecifierCase()) {
            case METHOD_NAME -> {
                method = m.getMethodName();
                if (method.isEmpty() && m.getInvert()) {
                    throw mp.field("invert").error("Cannot have an empty method name with inversion enabled");
                }
            }
            case SERVICE_NAME -> {
                service = m.getServiceName();
                if (service.isEmpty() && m.getInvert()) {
                    throw mp.field("invert").error("Cannot have an empty service name with inversion enabled");
                }
                if (!service.isEmpty() && !service.endsWith(":")) {
                    service = service + ":";
                }
            }
            default -> throw mp.error("one of method_name or service_name is required");
        }
        RouteAction a = r.getRoute();
        FieldPath ap = path.field("route");
        if (a.getRateLimitsCount() > 0) {
            throw ap.field("rate_limits").error("thrift rate limiting is not supported");
        }
        Map<String, Object> lb = lbCriteria(a.hasMetadataMatch() ? a.getMetadataMatch() : null);
        List<ThriftRoute.Weighted> weighted = new ArrayList<>();
        String cluster = null;
        String clusterHeader = null;
        switch (a.getClusterSpecifierCase()) {
            case CLUSTER -> {
                cluster = a.getCluster();
                if (cluster.isEmpty()) {
                    throw ap.field("cluster").error("must not be empty");
                }
            }
            case CLUSTER_HEADER -> {
                clusterHeader = a.getClusterHeader().toLowerCase(java.util.Locale.ROOT);
                if (clusterHeader.isEmpty()) {
                    throw ap.field("cluster_header").error("must not be empty");
                }
            }
            case WEIGHTED_CLUSTERS -> {
                FieldPath wp = ap.field("weighted_clusters").field("clusters");
                var ws = a.getWeightedClusters().getClustersList();
                if (ws.size() < 2) {
                    throw wp.error("at least 2 weighted clusters are required");
                }
                long total = 0;
                for (int i = 0; i < ws.size(); i++) {
                    var w = ws.get(i);
                    if (w.getName().isEmpty()) {
                        throw wp.index(i).field("name").error("must not be empty");
                    }
                    if (!w.hasWeight()) {
                        throw wp.index(i).field("weight").error("is required");
                    }
                    Map<String, Object> own = lbCriteria(w.hasMetadataMatch() ? w.getMetadataMatch() : null);
                    Map<String, Object> merged = lb;
                    if (own != null) {
                        merged = new HashMap<>(lb == null ? Map.of() : lb);
                        merged.putAll(own);
                    }
                    weighted.add(new ThriftRoute.Weighted(w.getName(), w.getWeight().getValue(), merged));
                    total += w.getWeight().getValue();
                }
                if (total == 0) {
                    throw wp.error("the weights must not all be 0");
                }
            }
            default -> throw ap.error("one of cluster, weighted_clusters or cluster_header is required");
        }
        List<ThriftRoute.Mirror> mirrors = new ArrayList<>();
        for (int i = 0; i < a.getRequestMirrorPoliciesCount(); i++) {
            var p = a.getRequestMirrorPolicies(i);
            FieldPath pp = ap.field("request_mirror_policies").index(i);
            if (p.getCluster().isEmpty()) {
                throw pp.field("cluster").error("must not be empty");
            }
            mirrors.add(p.hasRuntimeFraction()
                    ? new ThriftRoute.Mirror(p.getCluster(), p.getRuntimeFraction().getRuntimeKey(),
                    FilterProtos.runtimeDefault(p.getRuntimeFraction(), pp.field("runtime_fraction")))
                    : new ThriftRoute.Mirror(p.getCluster(), "", null));
        }
        ThriftRoute.Builder b = ThriftRoute.builder();
        if (method != null) {
            b.methodName(method);
        } else {
            b.serviceName(service);
        }
        return b.invert(m.getInvert()).headers(HeaderTranslator.matchers(m.getHeadersList(), mp.field("headers")))
                .cluster(cluster).weighted(weighted).clusterHeader(clusterHeader)
                .stripServiceName(a.getStripServiceName()).metadataMatch(lb).mirrors(mirrors).build();
    }

    private static Map<String, Object> lbCriteria(io.envoyproxy.envoy.config.core.v3.Metadata m) {
        var lb = m == null ? null : m.getFilterMetadataMap().get("envoy.lb");
        return lb == null ? null : FilterProtos.plain(lb);
    }

    /** A cluster's {@code typed_extension_protocol_options} entry for the thrift proxy. */
    public static ThriftProxyConfig.UpstreamOptions protocolOptions(ThriftProtocolOptions o, FieldPath path) {
        return new ThriftProxyConfig.UpstreamOptions(transport(o.getTransport(), path.field("transport")),
                protocol(o.getProtocol(), path.field("protocol")));
    }

    /** {@code envoy.health_checkers.thrift}: a method name and a concrete transport and protocol. */
    public static ThriftHealthCheck healthCheck(io.envoyproxy.envoy.extensions.health_checkers.thrift.v3.Thrift t,
                                                FieldPath path) {
        if (t.getMethodName().isEmpty()) {
            throw path.field("method_name").error("must not be empty");
        }
        ThriftProxyConfig.Transport transport = transport(t.getTransport(), path.field("transport"));
        if (transport == ThriftProxyConfig.Transport.AUTO) {
            throw path.field("transport").error("Unsupported transport in thrift health check configuration: "
                    + "AUTO_TRANSPORT (name one)");
        }
        ThriftProxyConfig.Protocol protocol = protocol(t.getProtocol(), path.field("protocol"));
        if (protocol == ThriftProxyConfig.Protocol.AUTO) {
            throw path.field("protocol").error("Unsupported protocol in thrift health check configuration: "
                    + "AUTO_PROTOCOL (name one)");
        }
        return new ThriftHealthCheck(t.getMethodName(), transport, protocol);
    }

    public static ThriftProxyConfig.Transport transport(TransportType t, FieldPath path) {
        return switch (t) {
            case AUTO_TRANSPORT -> ThriftProxyConfig.Transport.AUTO;
            case FRAMED -> ThriftProxyConfig.Transport.FRAMED;
            case UNFRAMED -> ThriftProxyConfig.Transport.UNFRAMED;
            case HEADER -> ThriftProxyConfig.Transport.HEADER;
            default -> throw path.error("unknown thrift transport " + t);
        };
    }

    public static ThriftProxyConfig.Protocol protocol(ProtocolType p, FieldPath path) {
        return switch (p) {
            case AUTO_PROTOCOL -> ThriftProxyConfig.Protocol.AUTO;
            case BINARY -> ThriftProxyConfig.Protocol.BINARY;
            case LAX_BINARY -> ThriftProxyConfig.Protocol.LAX_BINARY;
            case COMPACT -> ThriftProxyConfig.Protocol.COMPACT;
            case TWITTER -> throw path.error("the TWITTER protocol is no longer supported (as in Envoy)");
            default -> throw path.error("unknown thrift protocol " + p);
        };
    }
}
