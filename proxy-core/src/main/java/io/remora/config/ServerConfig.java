package io.remora.config;

import java.util.List;
import java.util.Map;

/**
 * Everything the data plane runs from at one moment: the translated bootstrap plus whatever
 * xDS has delivered. Published as one immutable snapshot.
 *
 * @param node           the local node identity
 * @param admin          the admin listener, or null when the bootstrap has none
 * @param listeners      listeners by name, in config order
 * @param clusters       clusters by name
 * @param routeConfigs   route configurations by name (RDS and any named static ones)
 * @param drainTime      how long listeners drain before closing ({@code --drain-time-s})
 * @param scopedRoutes   the scopes scoped RDS delivered, by key (every SRDS source's, one set)
 */
public record ServerConfig(
        NodeInfo node,
        AdminConfig admin,
        List<ListenerConfig> listeners,
        Map<String, ClusterConfig> clusters,
        Map<String, RouteConfiguration> routeConfigs,
        java.time.Duration drainTime,
        Map<List<String>, ScopedRoutesConfig.Scope> scopedRoutes) {

    /** Without scopes from scoped RDS. */
    public ServerConfig(NodeInfo node, AdminConfig admin, List<ListenerConfig> listeners,
                        Map<String, ClusterConfig> clusters, Map<String, RouteConfiguration> routeConfigs,
                        java.time.Duration drainTime) {
        this(node, admin, listeners, clusters, routeConfigs, drainTime, Map.of());
    }
}
