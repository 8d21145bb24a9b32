package io.remora.xds.translate;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.remora.config.ClusterConfig;
import io.remora.config.ListenerConfig;

/**
 * The entry points for resources delivered over xDS (LDS, CDS, RDS, EDS). Error paths start at
 * the resource, e.g. {@code listener "virtualOutbound".filter_chains[2].filters[0]...}, which is
 * what a NACK's error_detail should carry.
 *
 * <p>Cluster references are checked when the context knows the clusters
 * ({@link TranslationContext#withClusters}); pass a context without them while CDS is still
 * arriving.
 */
public final class ResourceTranslator {

    private ResourceTranslator() {
    }

    public static ListenerConfig listener(Listener l, TranslationContext ctx) {
        return ListenerTranslator.translate(l, FieldPath.of("listener \"" + l.getName() + "\""), ctx);
    }

    public static ClusterConfig cluster(Cluster c, TranslationContext ctx) {
        return ClusterTranslator.translate(c, FieldPath.of("cluster \"" + c.getName() + "\""), ctx);
    }

    /** An RDS route configuration (upgrade_configs: see {@link RouteTranslator#upgrades}). */
    public static io.remora.config.RouteConfiguration routeConfiguration(RouteConfiguration rc, TranslationContext ctx) {
        return RouteConfigurationTranslator.translate(rc, FieldPath.of("route_configuration \"" + rc.getName() + "\""),
                rdsContext(rc, ctx));
    }

    /** EDS: the endpoints of a cluster (its eds service name). */
    public static io.remora.config.ClusterLoadAssignment endpoints(ClusterLoadAssignment cla) {
        return EndpointTranslator.translate(cla, FieldPath.of("cluster_load_assignment \"" + cla.getClusterName() + "\""),
                EDS_WARNINGS);
    }

    /** EDS updates come often, on the control thread: their warnings are logged once per process, not per update. */
    private static final TranslationContext EDS_WARNINGS = TranslationContext.lenient();

    /** RDS configs validate cluster references only when they ask to (validate_clusters defaults to false). */
    private static TranslationContext rdsContext(RouteConfiguration rc, TranslationContext ctx) {
        return rc.hasValidateClusters() && rc.getValidateClusters().getValue() ? ctx : ctx.withoutClusterCheck();
    }
}
