package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig;
import io.remora.config.AutoSniConfig;
import io.remora.config.DnsCacheConfig;

/**
 * {@code cluster_type envoy.clusters.dynamic_forward_proxy}: the cluster's DNS cache and Envoy's
 * checks of its factory (CLUSTER_PROVIDED balancing, auto_sni and auto_san_validation unless
 * allow_insecure_cluster_options).
 */
final class DynamicForwardProxyClusterTranslator {

    static final String NAME = "envoy.clusters.dynamic_forward_proxy";
    static final String TYPE = "envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig";

    private DynamicForwardProxyClusterTranslator() {
    }

    static boolean is(Cluster c) {
        return isType(c, NAME, TYPE);
    }

    /** Whether the cluster's custom type is this one (by its typed_config's type, else by name, as Envoy finds factories). */
    static boolean isType(Cluster c, String name, String type) {
        var t = c.getClusterType();
        return t.hasTypedConfig() && !t.getTypedConfig().getTypeUrl().isEmpty()
                ? Protos.typeName(t.getTypedConfig()).equals(type) : name.equals(t.getName());
    }

    /** The cluster's cache config, after Envoy's checks of the cluster type's own config. */
    static DnsCacheConfig translate(Cluster c, FieldPath path, TranslationContext ctx) {
        FieldPath tp = path.field("cluster_type").field("typed_config");
        if (!c.getClusterType().hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        ClusterConfig cc = Protos.unpack(c.getClusterType().getTypedConfig(), ClusterConfig.class, tp);
        if (c.getLbPolicy() != Cluster.LbPolicy.CLUSTER_PROVIDED && c.getLbPolicy() != Cluster.LbPolicy.ROUND_ROBIN) {
            throw path.field("lb_policy").error("LB policy " + c.getLbPolicy() + " is not valid for Cluster type "
                    + NAME + ". Only 'CLUSTER_PROVIDED' is allowed");
        }
        if (cc.hasSubClustersConfig()) {
            throw tp.field("sub_clusters_config").error("sub clusters are not supported by Remora");
        }
        if (!cc.hasDnsCacheConfig()) {
            throw tp.field("dns_cache_config").error("missing required field");
        }
        if (cc.getAllowCoalescedConnections()) {
            ctx.warnOnce("dfp.allow_coalesced_connections", "ignoring allow_coalesced_connections: each host"
                    + " keeps its own connections (first: " + tp.field("allow_coalesced_connections") + ")");
        }
        return DnsCacheConfigTranslator.translate(cc.getDnsCacheConfig(), tp.field("dns_cache_config"), ctx);
    }

    /**
     * Envoy's factory turns auto_sni and auto_san_validation on when the cluster has no
     * upstream_http_protocol_options of either form, and refuses a cluster without both unless
     * allow_insecure_cluster_options: a forward proxy would otherwise trust any certificate for any name.
     */
    static AutoSniConfig autoSni(Cluster c, AutoSniConfig resolved, boolean typedOptions, FieldPath path) {
        AutoSniConfig out = resolved;
        if (!c.hasUpstreamHttpProtocolOptions() && !typedOptions) {
            out = AutoSniConfig.of(true, true, "");
        }
        ClusterConfig cc = Protos.unpack(c.getClusterType().getTypedConfig(), ClusterConfig.class,
                path.field("cluster_type").field("typed_config"));
        if (!cc.getAllowInsecureClusterOptions() && (out == null || !out.autoSni() || !out.autoSanValidation())) {
            throw path.field("upstream_http_protocol_options").error("dynamic_forward_proxy cluster must have auto_sni"
                    + " and auto_san_validation true unless allow_insecure_cluster_options is set.");
        }
        return out;
    }
}
