package io.remora.xds.translate;

import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.remora.config.AdminConfig;
import io.remora.config.ClusterConfig;
import io.remora.config.HttpConnectionManagerConfig;
import io.remora.config.ListenerConfig;
import io.remora.config.NodeInfo;
import io.remora.config.RouteConfiguration;
import io.remora.config.ServerConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A whole {@code config.bootstrap.v3.Bootstrap} to a {@link ServerConfig}. */
public final class BootstrapTranslator {

    private BootstrapTranslator() {
    }

    /**
     * @param nodeId      --service-node, or null to keep node.id
     * @param nodeCluster --service-cluster, or null to keep node.cluster
     */
    public static ServerConfig translate(Bootstrap b, TranslationContext ctx, String nodeId, String nodeCluster,
                                         Duration drainTime) {
        NodeInfo node = NodeTranslator.translate(b.getNode(), nodeId, nodeCluster);
        // Runtime keys that shape translation (regex program size limits), then the overload
        // manager, validated here so a bad one is refused with its field path at load.
        StringMatcherTranslator.applyRuntime(OverloadManagerTranslator.RuntimeLayers.flatten(b));
        var overload = OverloadManagerTranslator.translate(b, ctx);
        AdminConfig admin = b.hasAdmin() ? admin(b.getAdmin(), FieldPath.of("admin"), ctx) : null;

        FieldPath sr = FieldPath.of("static_resources");
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        for (int i = 0; i < b.getStaticResources().getClustersCount(); i++) {
            FieldPath cp = sr.field("clusters").index(i);
            ClusterConfig c = ClusterTranslator.translate(b.getStaticResources().getClusters(i), cp, ctx);
            if (clusters.putIfAbsent(c.name(), c) != null) {
                throw cp.field("name").error("duplicate cluster name '" + c.name() + "'");
            }
        }
        String local = b.getClusterManager().getLocalClusterName();
        if (!local.isEmpty() && !clusters.containsKey(local)) {
            // Envoy's cluster manager looks the local cluster up among the static clusters as it
            // starts, before CDS can bring any, and refuses the bootstrap without it.
            throw FieldPath.of("cluster_manager").field("local_cluster_name")
                    .error("local cluster '" + local + "' must be defined");
        }
        // With CDS, clusters arrive later: references cannot be checked against the static ones alone.
        boolean cds = b.hasDynamicResources() && (b.getDynamicResources().hasCdsConfig()
                || !b.getDynamicResources().getCdsResourcesLocator().isEmpty());
        TranslationContext lctx = cds ? ctx.withoutClusterCheck() : ctx.withClusters(Set.copyOf(clusters.keySet()));

        List<ListenerConfig> listeners = new ArrayList<>();
        Map<String, Integer> listenerNames = new HashMap<>();
        Map<String, RouteConfiguration> routes = new LinkedHashMap<>();
        for (int i = 0; i < b.getStaticResources().getListenersCount(); i++) {
            FieldPath lp = sr.field("listeners").index(i);
            ListenerConfig l = ListenerTranslator.translate(b.getStaticResources().getListeners(i), lp, lctx);
            Integer prev = listenerNames.putIfAbsent(l.name(), i);
            if (prev != null) {
                throw lp.field("name").error("duplicate listener name '" + l.name() + "' (also listeners[" + prev + "])");
            }
            listeners.add(l);
            l.filterChains().forEach(fc -> collectRoutes(fc, routes));
            if (l.defaultFilterChain() != null) {
                collectRoutes(l.defaultFilterChain(), routes);
            }
        }
        StaticSecretsTranslator.check(b); // the runtime feeds the secrets that load
        StatsSinksTranslator.translate(b, ctx); // validated here; the proxy builds the sinks from it
        TracingTranslator.bootstrapProvider(b, ctx); // validated here; the proxy builds the tracer from it
        RuntimeTranslator.translate(b, ctx); // validated here; the proxy builds its loader from it
        StatsConfigTranslator.settings(b, ctx); // likewise for its stats registry
        DnsResolverTranslator.bootstrap(b, ctx); // likewise for the DNS clusters' default resolver
        BindConfigTranslator.clusterManagerDefault(b, ctx); // likewise for the clusters' default bind config
        WatchdogTranslator.translate(b, ctx); // likewise for the guard dogs
        BootstrapFieldChecks.check(b, ctx);
        return new ServerConfig(node, admin, List.copyOf(listeners), Collections.unmodifiableMap(clusters),
                Collections.unmodifiableMap(routes), drainTime);
    }

    private static void collectRoutes(io.remora.config.FilterChainConfig fc, Map<String, RouteConfiguration> routes) {
        if (fc.terminalFilter() instanceof HttpConnectionManagerConfig h && h.routeConfig() != null
                && !h.routeConfig().name().isEmpty()) {
            routes.putIfAbsent(h.routeConfig().name(), h.routeConfig());
        }
    }

    @SuppressWarnings("deprecation")
    static AdminConfig admin(Admin a, FieldPath path, TranslationContext ctx) {
        if (!a.hasAddress()) {
            return null; // Envoy: no admin address, no admin listener
        }
        var address = AddressTranslator.translate(a.getAddress(), path.field("address"));
        String logPath = a.getAccessLogPath().isEmpty() ? null : a.getAccessLogPath();
        for (int i = 0; i < a.getAccessLogCount() && logPath == null; i++) {
            var log = a.getAccessLog(i);
            if (log.hasTypedConfig() && Protos.typeName(log.getTypedConfig())
                    .equals("envoy.extensions.access_loggers.file.v3.FileAccessLog")) {
                logPath = Protos.unpack(log.getTypedConfig(), FileAccessLog.class,
                        path.field("access_log").index(i).field("typed_config")).getPath();
            } else {
                ctx.warnOnce("admin.access_log", "only file access logs are supported for admin; ignoring "
                        + path.field("access_log").index(i));
            }
        }
        return new AdminConfig(address, logPath, ListenerTranslator.socketOptions(a.getSocketOptionsList(),
                path.field("socket_options")), a.getIgnoreGlobalConnLimit());
    }
}
