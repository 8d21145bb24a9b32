package io.remora.xds.runtime;

import io.remora.config.ClusterConfig;
import io.remora.config.ClusterLoadAssignment;
import io.remora.config.ServerConfig;
import io.remora.runtime.Runtime;
import io.remora.upstream.DropOverloadLimit;
import io.remora.xds.translate.FieldPath;

/**
 * Envoy's parseDropOverloadConfig runs with each load assignment a cluster takes (EdsClusterImpl::onConfigUpdate,
 * and a cluster's creation for the other types) and fails it while the runtime's
 * {@code load_balancing_policy.drop_overload_limit} is over 100: the EDS update is rejected, the CDS cluster is
 * refused, a static cluster fails the start.
 */
final class DropOverloadChecks {
    private DropOverloadChecks() {
    }

    /** An EDS response's assignment, translated: rejected under an invalid limit. */
    static ClusterLoadAssignment endpoints(ClusterLoadAssignment cla, Runtime runtime) {
        check(cla, runtime, FieldPath.of("cluster_load_assignment \"" + cla.clusterName() + "\""));
        return cla;
    }

    /** A CDS cluster, translated: its inline assignment (EDS clusters' come by EDS) under the same check. */
    static ClusterConfig cluster(ClusterConfig c, Runtime runtime) {
        if (c.type() != ClusterConfig.DiscoveryType.EDS) {
            check(c.loadAssignment(), runtime, FieldPath.of("load_assignment"));
        }
        return c;
    }

    /** The bootstrap's static clusters with their inline assignments, as the server starts. */
    static void staticClusters(io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap bootstrap, ServerConfig config,
                               Runtime runtime) {
        var protos = bootstrap.getStaticResources().getClustersList();
        for (int i = 0; i < protos.size(); i++) {
            ClusterConfig c = config.clusters().get(protos.get(i).getName());
            if (c != null && c.type() != ClusterConfig.DiscoveryType.EDS) {
                check(c.loadAssignment(), runtime, FieldPath.ROOT.field("static_resources").field("clusters").index(i)
                        .field("load_assignment"));
            }
        }
    }

    private static void check(ClusterLoadAssignment cla, Runtime runtime, FieldPath path) {
        String refusal = DropOverloadLimit.refusal(cla, runtime);
        if (refusal != null) {
            throw path.field("policy").field("drop_overloads").error(refusal);
        }
    }
}
