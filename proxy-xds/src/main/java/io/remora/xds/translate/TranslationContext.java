package io.remora.xds.translate;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;

/**
 * State shared by the translators of one config: which clusters exist (to check references)
 * and the warnings issued so far, one per skipped extension.
 */
public final class TranslationContext {

    static final Logger LOG = Logger.getLogger("remora.config");
    private static final Set<String> PROCESS_WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Logs a warning once per key for the life of the process: for shared helpers that are handed no context
     * (data sources, gRPC services); their warnings reach the log, not {@link #warnings()}.
     */
    static void warnOnceWithoutContext(String key, String message) {
        if (PROCESS_WARNED.add(key)) {
            LOG.warning(message);
        }
    }

    private final Set<String> knownClusters;
    private final List<String> warnings;
    private final Set<String> warnedKeys;
    /** Dynamic forward proxy DNS cache configs by name, seen so far in this translation. */
    private final java.util.Map<String, io.remora.config.DnsCacheConfig> dnsCaches;
    private final io.remora.config.ListenerConfig.TrafficDirection direction;
    private final boolean bypassOverloadManager;
    /** The enclosing route configuration's {@code cluster_specifier_plugins} by name. */
    private final java.util.Map<String, io.remora.config.ClusterSpecifier.Plugin> clusterSpecifierPlugins;
    private final EcdsSlots ecds;
    /** The bootstrap's {@code cluster_manager.local_cluster_name} ("" when unset), or null when not known here. */
    private final String localClusterName;

    /**
     * @param knownClusters the clusters a reference may name, or null when they are not all known
     *                      here (e.g. CDS delivers them later), which turns the check off
     */
    public TranslationContext(Set<String> knownClusters) {
        this(knownClusters, new ArrayList<>(), new HashSet<>(), new java.util.HashMap<>(), io.remora.config.ListenerConfig.TrafficDirection.UNSPECIFIED,
                false, java.util.Map.of(), null, null);
    }

    private TranslationContext(Set<String> knownClusters, List<String> warnings, Set<String> warnedKeys,
                               java.util.Map<String, io.remora.config.DnsCacheConfig> dnsCaches,
                               io.remora.config.ListenerConfig.TrafficDirection direction,
                               boolean bypassOverloadManager,
                               java.util.Map<String, io.remora.config.ClusterSpecifier.Plugin> clusterSpecifierPlugins,
                               EcdsSlots ecds, String localClusterName) {
        this.knownClusters = knownClusters;
        this.warnings = warnings;
        this.warnedKeys = warnedKeys;
        this.dnsCaches = dnsCaches;
        this.direction = direction;
        this.bypassOverloadManager = bypassOverloadManager;
        this.clusterSpecifierPlugins = clusterSpecifierPlugins;
        this.ecds = ecds;
        this.localClusterName = localClusterName;
    }

    /**
     * The same context publishing discovered (ECDS) filter configs through these slots, which
     * outlive one translation: the xDS runtime fills them as configs arrive.
     */
    public TranslationContext withEcdsSlots(EcdsSlots slots) {
        return new TranslationContext(knownClusters, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                clusterSpecifierPlugins, slots, localClusterName);
    }

    /** The same context knowing the bootstrap's {@code cluster_manager.local_cluster_name} ("" when unset). */
    public TranslationContext withLocalClusterName(String name) {
        return new TranslationContext(knownClusters, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                clusterSpecifierPlugins, ecds, name);
    }

    /**
     * The bootstrap's {@code cluster_manager.local_cluster_name}, "" when unset, or null when this
     * translation does not know the bootstrap (filters needing it then check when they are built).
     */
    public String localClusterName() {
        return localClusterName;
    }

    /** Where discovered filters' configs are published; null outside xDS-delivered listeners. */
    public EcdsSlots ecdsSlots() {
        return ecds;
    }

    /**
     * The same context inside a listener of this {@code traffic_direction}: filters whose behaviour
     * depends on it (Istio's stats reporter, metadata exchange) read it, as Envoy's filter factory
     * context gives them the listener's direction.
     */
    public TranslationContext withTrafficDirection(io.remora.config.ListenerConfig.TrafficDirection direction) {
        return new TranslationContext(knownClusters, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                clusterSpecifierPlugins, ecds, localClusterName);
    }

    /** The same context inside a listener with this {@code bypass_overload_manager}. */
    public TranslationContext withBypassOverloadManager(boolean bypass) {
        return new TranslationContext(knownClusters, warnings, warnedKeys, dnsCaches, direction, bypass,
                clusterSpecifierPlugins, ecds, localClusterName);
    }

    /** The enclosing listener's {@code bypass_overload_manager} (false outside a listener). */
    public boolean bypassOverloadManager() {
        return bypassOverloadManager;
    }

    /** The enclosing listener's {@code traffic_direction} (UNSPECIFIED outside a listener). */
    public io.remora.config.ListenerConfig.TrafficDirection trafficDirection() {
        return direction;
    }

    /** The same warnings, with cluster references unchecked (validate_clusters: false). */
    public TranslationContext withoutClusterCheck() {
        return new TranslationContext(null, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                clusterSpecifierPlugins, ecds, localClusterName);
    }

    /** The same warnings, checking references against these clusters. */
    public TranslationContext withClusters(Set<String> clusters) {
        return new TranslationContext(clusters, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                clusterSpecifierPlugins, ecds, localClusterName);
    }

    /** The same context inside a route configuration with these {@code cluster_specifier_plugins}. */
    public TranslationContext withClusterSpecifierPlugins(
            java.util.Map<String, io.remora.config.ClusterSpecifier.Plugin> plugins) {
        return new TranslationContext(knownClusters, warnings, warnedKeys, dnsCaches, direction, bypassOverloadManager,
                java.util.Map.copyOf(plugins), ecds, localClusterName);
    }

    /** The enclosing route configuration's cluster specifier plugin of that name, or null. */
    public io.remora.config.ClusterSpecifier.Plugin clusterSpecifierPlugin(String name) {
        return clusterSpecifierPlugins.get(name);
    }

    public static TranslationContext lenient() {
        return new TranslationContext(null);
    }

    /** Fails unless the cluster exists (when clusters are known). */
    public void requireCluster(FieldPath path, String cluster) {
        if (knownClusters != null && !knownClusters.contains(cluster)) {
            throw path.error("unknown cluster '" + cluster + "'");
        }
    }

    public boolean clustersKnown() {
        return knownClusters != null;
    }

    /** Warns once per key (an extension name): the first occurrence names its path. */
    public void warnOnce(String key, String message) {
        if (warnedKeys.add(key)) {
            warnings.add(message);
            LOG.warning(message);
        }
    }

    /**
     * Records a dynamic forward proxy DNS cache config; Envoy's cache manager refuses a second
     * config of the same name with different settings (its caches are shared by name).
     */
    public void dnsCache(io.remora.config.DnsCacheConfig config, FieldPath path) {
        io.remora.config.DnsCacheConfig seen = dnsCaches.putIfAbsent(config.name(), config);
        if (seen != null && !seen.equals(config)) {
            throw path.error("config specified DNS cache '" + config.name() + "' with different settings");
        }
    }

    public List<String> warnings() {
        return Collections.unmodifiableList(warnings);
    }
}
