package io.remora.xds.translate;

import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.remora.config.ClusterSpecifier;
import io.remora.config.HeaderMutation;
import io.remora.config.TcpProxyConfig;
import io.remora.config.TunnelingConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code envoy.filters.network.tcp_proxy}. */
public final class TcpProxyTranslator {

    private TcpProxyTranslator() {
    }

    public static TcpProxyConfig translate(TcpProxy t, FieldPath path, TranslationContext ctx) {
        if (t.getStatPrefix().isEmpty()) {
            throw path.field("stat_prefix").error("missing required field");
        }
        Duration onDemand = t.hasOnDemand() && t.getOnDemand().hasOdcdsConfig()
                ? onDemandTimeout(t.getOnDemand(), path.field("on_demand")) : null;
        if (t.hasOnDemand() && onDemand == null) {
            ctx.warnOnce("tcp_proxy.on_demand", "tcp_proxy on_demand without odcds_config discovers nothing on"
                    + " demand (as in Envoy), first at " + path.field("on_demand"));
        }
        ClusterSpecifier cluster = switch (t.getClusterSpecifierCase()) {
            case CLUSTER -> {
                if (t.getCluster().isEmpty()) {
                    throw path.field("cluster").error("must not be empty");
                }
                if (onDemand == null) {
                    ctx.requireCluster(path.field("cluster"), t.getCluster());
                }
                yield new ClusterSpecifier.Single(t.getCluster());
            }
            case WEIGHTED_CLUSTERS -> weighted(t.getWeightedClusters(), path.field("weighted_clusters"),
                    lbCriteria(t.hasMetadataMatch() ? t.getMetadataMatch() : null), onDemand != null, ctx);
            case CLUSTERSPECIFIER_NOT_SET -> throw path.error("missing required field: one of cluster, weighted_clusters");
        };
        TunnelingConfig tunneling = t.hasTunnelingConfig()
                ? tunneling(t.getTunnelingConfig(), path.field("tunneling_config"), ctx) : null;
        Duration idle = Protos.duration(t.hasIdleTimeout(), t.getIdleTimeout(), Duration.ofHours(1));
        int attempts = Protos.uint(t.hasMaxConnectAttempts(), t.getMaxConnectAttempts(), 1);
        if (attempts < 1) {
            throw path.field("max_connect_attempts").error("must be at least 1");
        }
        var logs = AccessLogTranslator.translate(t.getAccessLogList(), path.field("access_log"), ctx);
        Duration maxDuration = null;
        if (t.hasMaxDownstreamConnectionDuration()) {
            maxDuration = Protos.duration(t.getMaxDownstreamConnectionDuration());
            if (maxDuration.toMillis() < 1) {
                throw path.field("max_downstream_connection_duration").error("must be at least 1ms");
            }
        }
        warnUnsupported(t, path, ctx);
        return TcpProxyConfig.builder(t.getStatPrefix(), cluster).idleTimeout(idle).maxConnectAttempts(attempts)
                .accessLogs(logs).tunneling(tunneling).maxDownstreamConnectionDuration(maxDuration)
                .hashPolicies(hashPolicies(t, path.field("hash_policy")))
                .accessLogOptions(AccessLogOptionsTranslator.tcpProxy(t, path))
                .metadataMatch(lbCriteria(t.hasMetadataMatch() ? t.getMetadataMatch() : null))
                .connectBackoff(t.hasBackoffOptions() ? backoff(t.getBackoffOptions(), path.field("backoff_options")) : null)
                .proxyProtocolTlvs(UpstreamProxyProtocolTranslator.tlvs(t.getProxyProtocolTlvsList(),
                        path.field("proxy_protocol_tlvs")))
                .onDemandTimeout(onDemand)
                .build();
    }

    /**
     * {@code on_demand}, which Envoy acts on only with an {@code odcds_config}: on-demand CDS is
     * delta xDS, asked over Remora's ADS stream; Envoy's default wait is 60 s.
     */
    private static Duration onDemandTimeout(TcpProxy.OnDemand o, FieldPath path) {
        if (!o.getOdcdsConfig().hasAds()) {
            throw path.field("odcds_config").error("on-demand CDS is served over ADS only (a config source of its"
                    + " own is not supported)");
        }
        Duration timeout = Protos.duration(o.hasTimeout(), o.getTimeout(), Duration.ofSeconds(60));
        if (timeout.isNegative()) {
            throw path.field("timeout").error("must not be negative");
        }
        return timeout;
    }

    /** Envoy's checks: a base interval over zero; max (10 × base by default) not below it. */
    static io.remora.config.BackoffStrategy backoff(io.envoyproxy.envoy.config.core.v3.BackoffStrategy b,
                                                    FieldPath path) {
        if (!b.hasBaseInterval()) {
            throw path.field("base_interval").error("missing required field");
        }
        Duration base = Protos.duration(b.getBaseInterval());
        if (base.toMillis() < 1) {
            throw path.field("base_interval").error("must be at least 1ms");
        }
        Duration max = b.hasMaxInterval() ? Protos.duration(b.getMaxInterval()) : base.multipliedBy(10);
        if (max.compareTo(base) < 0) {
            throw path.field("max_interval").error("must be greater than or equal to base_interval");
        }
        return new io.remora.config.BackoffStrategy(base, max);
    }

    /** Subset load balancing reads the {@code envoy.lb} criteria only, as Envoy's. */
    private static java.util.Map<String, Object> lbCriteria(io.envoyproxy.envoy.config.core.v3.Metadata m) {
        var lb = m == null ? null : m.getFilterMetadataMap().get("envoy.lb");
        return lb == null ? null : Protos.structMap(lb);
    }

    /** {@code hash_policy} (type.v3.HashPolicy, at most one): the source IP or a filter state object. */
    private static List<io.remora.config.HashPolicy> hashPolicies(TcpProxy t, FieldPath path) {
        if (t.getHashPolicyCount() > 1) {
            throw path.error("at most one hash policy");
        }
        List<io.remora.config.HashPolicy> out = new java.util.ArrayList<>();
        for (int i = 0; i < t.getHashPolicyCount(); i++) {
            var h = t.getHashPolicy(i);
            switch (h.getPolicySpecifierCase()) {
                case SOURCE_IP -> out.add(new io.remora.config.HashPolicy.SourceIp(false));
                case FILTER_STATE -> {
                    if (h.getFilterState().getKey().isEmpty()) {
                        throw path.index(i).field("filter_state").field("key").error("missing required field");
                    }
                    out.add(new io.remora.config.HashPolicy.FilterState(h.getFilterState().getKey(), false));
                }
                default -> throw path.index(i).error("missing required field: one of source_ip, filter_state");
            }
        }
        return out;
    }

    /** Fields Remora does not act on: one warning each, naming the first place, never silence. */
    private static void warnUnsupported(TcpProxy t, FieldPath path, TranslationContext ctx) {
        java.util.Map<String, Boolean> set = new java.util.LinkedHashMap<>();
        set.put("downstream_idle_timeout", t.hasDownstreamIdleTimeout());
        set.put("upstream_idle_timeout", t.hasUpstreamIdleTimeout());
        set.forEach((field, present) -> {
            if (present) {
                ctx.warnOnce("tcp_proxy." + field, "tcp_proxy " + field + " is not supported and is ignored,"
                        + " first at " + path.field(field));
            }
        });
    }

    /** {@code tunneling_config}: the bytes in an HTTP CONNECT (or POST) stream to the host. */
    private static TunnelingConfig tunneling(TcpProxy.TunnelingConfig c, FieldPath path, TranslationContext ctx) {
        if (c.getHostname().isEmpty()) {
            throw path.field("hostname").error("missing required field");
        }
        List<String> problems = io.remora.route.HeaderFormatter.validate(c.getHostname());
        if (!problems.isEmpty()) {
            throw path.field("hostname").error(String.join("; ", problems));
        }
        if (!c.getPostPath().isEmpty()) {
            if (!c.getUsePost()) {
                throw path.field("post_path").error("can only be set when use_post is true");
            }
            if (!c.getPostPath().startsWith("/")) {
                throw path.field("post_path").error("must start with '/'");
            }
        }
        HeaderMutation headers = HeaderTranslator.mutation(c.getHeadersToAddList(), List.of(),
                path.field("headers_to_add"), path);
        for (int i = 0; i < headers.add().size(); i++) {
            List<String> p = io.remora.route.HeaderFormatter.validate(headers.add().get(i).value());
            if (!p.isEmpty()) {
                throw path.field("headers_to_add").index(i).field("header").field("value").error(String.join("; ", p));
            }
        }
        return new TunnelingConfig(c.getHostname(), c.getUsePost(), c.getPostPath(), headers.add(),
                c.getPropagateResponseHeaders(), c.getPropagateResponseTrailers());
    }

    /** Each entry's {@code metadata_match} merged over the proxy's ({@code parent}), its own keys winning. */
    private static ClusterSpecifier.Weighted weighted(TcpProxy.WeightedCluster w, FieldPath path,
                                                      java.util.Map<String, Object> parent, boolean onDemand,
                                                      TranslationContext ctx) {
        if (w.getClustersCount() == 0) {
            throw path.field("clusters").error("must have at least one cluster");
        }
        List<ClusterSpecifier.WeightedCluster> out = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < w.getClustersCount(); i++) {
            var c = w.getClusters(i);
            FieldPath cp = path.field("clusters").index(i);
            if (c.getName().isEmpty()) {
                throw cp.field("name").error("missing required field");
            }
            if (!onDemand) {
                ctx.requireCluster(cp.field("name"), c.getName());
            }
            int weight = Protos.clampInt(c.getWeight());
            if (weight < 1) {
                throw cp.field("weight").error("must be at least 1");
            }
            total += weight;
            java.util.Map<String, Object> criteria = parent;
            java.util.Map<String, Object> own = lbCriteria(c.hasMetadataMatch() ? c.getMetadataMatch() : null);
            if (own != null) {
                criteria = new java.util.HashMap<>(parent == null ? java.util.Map.of() : parent);
                criteria.putAll(own);
            }
            out.add(new ClusterSpecifier.WeightedCluster(c.getName(), weight, HeaderMutation.NONE, HeaderMutation.NONE,
                    null, null, criteria));
        }
        if (total > Integer.MAX_VALUE) {
            throw path.error("the total weight of the clusters exceeds " + Integer.MAX_VALUE);
        }
        return new ClusterSpecifier.Weighted(List.copyOf(out), (int) total);
    }
}
