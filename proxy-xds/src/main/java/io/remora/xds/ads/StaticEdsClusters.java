package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bootstrap's static EDS clusters fetched over ADS or an api_config_source stream: Envoy's secondary clusters
 * (EdsClusterImpl's initializePhase() is Secondary unless its eds_config is a path; aggregate clusters are the
 * other secondary type, with nothing to fetch). Those reading a file are primary clusters, read at once. ClusterManagerInitHelper initializes them only once the runtime is
 * ready (initializeSecondaryClusters), and starts CDS only once they are, so their load assignments are asked for
 * after RTDS and before CDS.
 *
 * @param ads                 the load assignment names over ADS
 * @param api                 the names on each api_config_source's EDS stream
 * @param initialFetchTimeout the shortest initial_fetch_timeout of their eds_configs (null: wait for ever)
 * @param files               the load assignment names read from each path_config_source file: primary clusters,
 *                            read as the client starts
 * @param clusters            every static EDS cluster's name by its load assignment's, for their EDS stats
 */
record StaticEdsClusters(Set<String> ads, Map<ApiSourceKey, Set<String>> api, Duration initialFetchTimeout,
                         Map<Path, Set<String>> files, Map<String, Set<String>> clusters) {

    static StaticEdsClusters of(Bootstrap bootstrap) {
        Set<String> ads = new LinkedHashSet<>();
        Map<ApiSourceKey, Set<String>> api = new HashMap<>();
        Map<Path, Set<String>> files = new HashMap<>();
        Map<String, Set<String>> clusters = new HashMap<>();
        Duration timeout = null;
        boolean any = false;
        for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
            String service = XdsDependencies.edsServiceName(c);
            ConfigSource cs = XdsDependencies.edsConfig(c);
            if (service == null) {
                continue;
            }
            clusters.computeIfAbsent(service, k -> new LinkedHashSet<>()).add(c.getName());
            Path file = SdsFileRefs.file(cs);
            if (file != null) {
                // a primary cluster in Envoy: read with the static clusters, not held for the runtime
                files.computeIfAbsent(file, k -> new LinkedHashSet<>()).add(service);
            } else if (cs.hasAds()) {
                ads.add(service);
            } else if (XdsDependencies.isGrpcSource(cs)) {
                api.computeIfAbsent(new ApiSourceKey(cs.getApiConfigSource(), XdsResourceType.ENDPOINT),
                        k -> new LinkedHashSet<>()).add(service);
            } else {
                continue;
            }
            Duration t = XdsDependencies.initialFetchTimeout(cs, XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
            timeout = any ? Warming.shorter(timeout, t) : t;
            any = true;
        }
        return new StaticEdsClusters(Set.copyOf(ads), Map.copyOf(api), timeout, Map.copyOf(files), Map.copyOf(clusters));
    }

    boolean any() {
        return !ads.isEmpty() || !api.isEmpty() || !files.isEmpty();
    }
}
