package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The bootstrap's static EDS clusters fetched over ADS or an api_config_source stream: Envoy's secondary clusters
 * (EdsClusterImpl's initializePhase() is Secondary unless its eds_config is a path; aggregate clusters are the
 * other secondary type, with nothing to fetch). ClusterManagerInitHelper initializes them only once the runtime is
 * ready (initializeSecondaryClusters), and starts CDS only once they are, so their load assignments are asked for
 * after RTDS and before CDS.
 *
 * @param ads                 the load assignment names over ADS
 * @param api                 the names on each api_config_source's EDS stream
 * @param initialFetchTimeout the shortest initial_fetch_timeout of their eds_configs (null: wait for ever)
 */
record StaticEdsClusters(Set<String> ads, Map<ApiSourceKey, Set<String>> api, Duration initialFetchTimeout) {

    static StaticEdsClusters of(Bootstrap bootstrap) {
        Set<String> ads = new LinkedHashSet<>();
        Map<ApiSourceKey, Set<String>> api = new HashMap<>();
        Duration timeout = null;
        boolean any = false;
        for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
            String service = XdsDependencies.edsServiceName(c);
            ConfigSource cs = XdsDependencies.edsConfig(c);
            if (service == null) {
                continue;
            }
            if (cs.hasAds()) {
                ads.add(service);
            } else if (XdsDependencies.isGrpcSource(cs)) {
                api.computeIfAbsent(new ApiSourceKey(cs.getApiConfigSource(), XdsResourceType.ENDPOINT),
                        k -> new LinkedHashSet<>()).add(service);
            } else {
                continue; // a path: a primary cluster in Envoy, and not fetched here
            }
            Duration t = XdsDependencies.initialFetchTimeout(cs, XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
            timeout = any ? Warming.shorter(timeout, t) : t;
            any = true;
        }
        return new StaticEdsClusters(Set.copyOf(ads), Map.copyOf(api), timeout);
    }

    boolean any() {
        return !ads.isEmpty() || !api.isEmpty();
    }
}
