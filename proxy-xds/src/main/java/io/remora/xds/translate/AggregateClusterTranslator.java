package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;

import java.util.List;

/**
 * {@code cluster_type envoy.clusters.aggregate}: the member clusters in failover order, and the
 * checks Envoy makes of such a cluster (at least one member; its load balancer is the cluster's own,
 * so lb_policy must say CLUSTER_PROVIDED).
 */
final class AggregateClusterTranslator {

    static final String NAME = "envoy.clusters.aggregate";
    static final String TYPE = "envoy.extensions.clusters.aggregate.v3.ClusterConfig";

    private AggregateClusterTranslator() {
    }

    static boolean is(Cluster c) {
        return DynamicForwardProxyClusterTranslator.isType(c, NAME, TYPE);
    }

    /** The member names, after Envoy's checks of the cluster type's config and of the cluster's balancing. */
    static List<String> translate(Cluster c, io.remora.config.ClusterConfig.LbPolicy lb, FieldPath path) {
        FieldPath tp = path.field("cluster_type").field("typed_config");
        if (!c.getClusterType().hasTypedConfig()) {
            throw tp.error("missing required field");
        }
        ClusterConfig cc = Protos.unpack(c.getClusterType().getTypedConfig(), ClusterConfig.class, tp);
        if (cc.getClustersCount() == 0) {
            throw tp.field("clusters").error("must have at least 1 item");
        }
        if (lb != io.remora.config.ClusterConfig.LbPolicy.CLUSTER_PROVIDED) {
            // Envoy's cluster manager: the aggregate provides its own load balancer.
            String field = TypedLbPolicyTranslator.applies(c) ? "load_balancing_policy" : "lb_policy";
            throw path.field(field).error("cluster provided LB not specified but cluster '" + c.getName()
                    + "' provided one (an aggregate cluster needs lb_policy CLUSTER_PROVIDED)");
        }
        return List.copyOf(cc.getClustersList());
    }
}
