package io.remora.xds.ads;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Where the bootstrap's {@code rtds_layer}s come from: over ADS, a GRPC or DELTA_GRPC api_config_source stream of
 * their own (RuntimeDiscoveryService), or from one path_config_source file. Layers on a second file are not
 * subscribed; the runtime translator warns about them and they stay empty.
 *
 * @param ads                 some layer's rtds_config is {@code ads}
 * @param api                 the layer names subscribed on each api_config_source's RTDS stream
 * @param file                the file the first path-sourced layer names, or null
 * @param initialFetchTimeout the shortest initial_fetch_timeout of the subscribed layers (null: wait for ever)
 * @param any                 some layer is subscribed
 */
record RtdsSources(boolean ads, java.util.Map<ApiSourceKey, Set<String>> api, Path file, Duration initialFetchTimeout,
                   boolean any) {

    static RtdsSources of(Bootstrap bootstrap) {
        boolean ads = false;
        Path file = null;
        Duration timeout = null;
        boolean any = false;
        java.util.Map<ApiSourceKey, Set<String>> api = new java.util.HashMap<>();
        for (RuntimeLayer l : bootstrap.getLayeredRuntime().getLayersList()) {
            if (!l.hasRtdsLayer()) {
                continue;
            }
            ConfigSource cs = l.getRtdsLayer().getRtdsConfig();
            Path p = filePath(cs);
            if (cs.hasAds()) {
                ads = true;
            } else if (XdsDependencies.isGrpcSource(cs)) {
                api.computeIfAbsent(new ApiSourceKey(cs.getApiConfigSource(), XdsResourceType.RUNTIME),
                        k -> new LinkedHashSet<>()).add(l.getRtdsLayer().getName());
            } else if (p != null && (file == null || file.equals(p))) {
                file = p;
            } else {
                continue;
            }
            Duration t = XdsDependencies.initialFetchTimeout(cs, XdsClientOptions.DEFAULT_INITIAL_FETCH_TIMEOUT);
            timeout = any ? Warming.shorter(timeout, t) : t;
            any = true;
        }
        return new RtdsSources(ads, api, file, timeout, any);
    }

    /**
     * The Runtime resource names of the layers read from {@code file} (the one file RTDS reads): each layer's
     * RtdsSubscription takes the file's one resource only under its own name.
     */
    static Set<String> fileResourceNames(Bootstrap bootstrap, Path file) {
        Set<String> out = new LinkedHashSet<>();
        for (RuntimeLayer l : bootstrap.getLayeredRuntime().getLayersList()) {
            if (l.hasRtdsLayer() && file != null && file.equals(filePath(l.getRtdsLayer().getRtdsConfig()))) {
                out.add(l.getRtdsLayer().getName());
            }
        }
        return out;
    }

    /** The Runtime resource names of the layers served over ADS: the RTDS subscription on the stream. */
    static Set<String> adsResourceNames(Bootstrap bootstrap) {
        Set<String> out = new LinkedHashSet<>();
        for (RuntimeLayer l : bootstrap.getLayeredRuntime().getLayersList()) {
            if (l.hasRtdsLayer() && l.getRtdsLayer().getRtdsConfig().hasAds()) {
                out.add(l.getRtdsLayer().getName());
            }
        }
        return out;
    }

    private static Path filePath(ConfigSource cs) {
        String p = io.remora.xds.translate.RuntimeTranslator.filePath(cs);
        return p == null ? null : Path.of(p);
    }
}
