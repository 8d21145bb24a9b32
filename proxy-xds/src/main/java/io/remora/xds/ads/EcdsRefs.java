package io.remora.xds.ads;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.ExtensionConfigSource;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The filters of a listener whose config comes from extension config discovery (ECDS): network
 * filters and the HTTP filters of its connection managers that have a {@code config_discovery}.
 * What the ECDS subscription asks for, what a listener warms on and what a delivered config is
 * checked against.
 */
public final class EcdsRefs {

    /** Which filter kind names the resource; Envoy keeps their stats apart. */
    public enum Kind {
        HTTP("http_filter"), NETWORK("network_filter");

        /** The stats scope: {@code extension_config_discovery.<scope>.<name>.*}. */
        public final String statScope;

        Kind(String statScope) {
            this.statScope = statScope;
        }
    }

    /** One discovered filter: its name (the resource's), kind and {@code config_discovery}. */
    public record Ref(String name, Kind kind, ExtensionConfigSource discovery) {
        public ConfigSource configSource() {
            return discovery.getConfigSource();
        }

        /** The required config types, without their {@code type.googleapis.com/} prefix. */
        public Set<String> typeNames() {
            Set<String> out = new TreeSet<>();
            for (String url : discovery.getTypeUrlsList()) {
                out.add(url.substring(url.lastIndexOf('/') + 1));
            }
            return out;
        }

        /** The listener waits for the resource (Envoy's warming), unless told to start on its default. */
        boolean warms() {
            return !discovery.getApplyDefaultConfigWithoutWarming();
        }
    }

    private EcdsRefs() {
    }

    public static List<Ref> of(Listener listener) {
        List<Ref> out = new ArrayList<>();
        for (FilterChain fc : XdsDependencies.filterChains(listener)) {
            add(fc, out);
        }
        return out;
    }

    /** Every discovered filter of the snapshot's listeners. */
    public static List<Ref> of(XdsSnapshot snapshot) {
        List<Ref> out = new ArrayList<>();
        for (Listener l : snapshot.listeners().values()) {
            out.addAll(of(l));
        }
        return out;
    }

    private static void add(FilterChain fc, List<Ref> out) {
        for (Filter f : fc.getFiltersList()) {
            if (f.hasConfigDiscovery()) {
                out.add(new Ref(f.getName(), Kind.NETWORK, f.getConfigDiscovery()));
            } else if (f.hasTypedConfig() && XdsDependencies.isHcm(f.getTypedConfig())) {
                HttpConnectionManager hcm;
                try {
                    hcm = io.remora.xds.translate.GeneratedMessages.unpack(f.getTypedConfig(), HttpConnectionManager.class);
                } catch (InvalidProtocolBufferException e) {
                    continue; // the translator rejects it with the field path
                }
                addHttp(hcm.getHttpFiltersList(), out);
                for (HttpConnectionManager.UpgradeConfig u : hcm.getUpgradeConfigsList()) {
                    addHttp(u.getFiltersList(), out);
                }
            }
        }
    }

    private static void addHttp(List<HttpFilter> filters, List<Ref> out) {
        for (HttpFilter h : filters) {
            if (h.hasConfigDiscovery()) {
                out.add(new Ref(h.getName(), Kind.HTTP, h.getConfigDiscovery()));
            }
        }
    }

    /** The names the ADS stream subscribes to. */
    static Set<String> adsNames(XdsSnapshot snapshot) {
        Set<String> out = new TreeSet<>();
        for (Ref r : of(snapshot)) {
            if (r.configSource().hasAds()) {
                out.add(r.name());
            }
        }
        return out;
    }

    /** The path_config_source files, each with the names read from it. */
    static Map<Path, Set<String>> files(XdsSnapshot snapshot) {
        Map<Path, Set<String>> out = new TreeMap<>();
        for (Ref r : of(snapshot)) {
            Path p = SdsFileRefs.file(r.configSource());
            if (p != null) {
                out.computeIfAbsent(p, k -> new TreeSet<>()).add(r.name());
            }
        }
        return out;
    }
}
