package io.remora.xds.bootstrap;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Envoy's admin {@code /config_dump} (admin.v3.ConfigDump) for the static part of the config:
 * BootstrapConfigDump, ListenersConfigDump.static_listeners, ClustersConfigDump.static_clusters,
 * RoutesConfigDump.static_route_configs (the inline route configs of static listeners).
 * Dynamic resources can be added by the caller on the returned builder parts.
 */
public final class ConfigDumpBuilder {

    /** Fields whose values are secrets: every string inside them is shown as "[redacted]". */
    private static final Set<String> SENSITIVE = Set.of("private_key", "password", "session_ticket_keys", "secret",
            "hmac_secret", "token_secret");

    private final Bootstrap bootstrap;
    private final Timestamp loadedAt;

    public ConfigDumpBuilder(Bootstrap bootstrap, Instant loadedAt) {
        this.bootstrap = bootstrap;
        this.loadedAt = Timestamp.newBuilder().setSeconds(loadedAt.getEpochSecond()).setNanos(loadedAt.getNano()).build();
    }

    public BootstrapConfigDump bootstrapDump() {
        return BootstrapConfigDump.newBuilder().setBootstrap(bootstrap).setLastUpdated(loadedAt).build();
    }

    public ListenersConfigDump.Builder listenersDump() {
        ListenersConfigDump.Builder b = ListenersConfigDump.newBuilder();
        for (Listener l : bootstrap.getStaticResources().getListenersList()) {
            b.addStaticListeners(ListenersConfigDump.StaticListener.newBuilder().setListener(Any.pack(l))
                    .setLastUpdated(loadedAt));
        }
        return b;
    }

    public ClustersConfigDump.Builder clustersDump() {
        ClustersConfigDump.Builder b = ClustersConfigDump.newBuilder();
        for (Cluster c : bootstrap.getStaticResources().getClustersList()) {
            b.addStaticClusters(ClustersConfigDump.StaticCluster.newBuilder().setCluster(Any.pack(c))
                    .setLastUpdated(loadedAt));
        }
        return b;
    }

    public RoutesConfigDump.Builder routesDump() {
        RoutesConfigDump.Builder b = RoutesConfigDump.newBuilder();
        for (Listener l : bootstrap.getStaticResources().getListenersList()) {
            for (FilterChain fc : l.getFilterChainsList()) {
                addInlineRoutes(fc, b);
            }
            if (l.hasDefaultFilterChain()) {
                addInlineRoutes(l.getDefaultFilterChain(), b);
            }
        }
        return b;
    }

    /** The static listeners' inline scoped routes (static listeners load none over SRDS). */
    public io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump.Builder scopedRoutesDump() {
        var b = io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump.newBuilder();
        for (Listener l : bootstrap.getStaticResources().getListenersList()) {
            addInlineScopes(l, loadedAt, b);
        }
        return b;
    }

    /**
     * A listener's connection managers' {@code scoped_route_configurations_list}s, each an inline entry named
     * as its scoped routes (Envoy's InlineScopedRoutesConfigProvider).
     */
    public static void addInlineScopes(Listener l, Timestamp at, io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump.Builder b) {
        java.util.List<FilterChain> chains = new java.util.ArrayList<>(l.getFilterChainsList());
        if (l.hasDefaultFilterChain()) {
            chains.add(l.getDefaultFilterChain());
        }
        for (FilterChain fc : chains) {
            for (var f : fc.getFiltersList()) {
                if (!f.hasTypedConfig() || !io.remora.xds.translate.GeneratedMessages.is(f.getTypedConfig(),
                        HttpConnectionManager.class)) {
                    continue;
                }
                try {
                    var scoped = io.remora.xds.translate.GeneratedMessages.unpack(f.getTypedConfig(),
                            HttpConnectionManager.class).getScopedRoutes();
                    if (!scoped.hasScopedRouteConfigurationsList()) {
                        continue;
                    }
                    var inline = io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump.InlineScopedRouteConfigs
                            .newBuilder().setName(scoped.getName()).setLastUpdated(at);
                    scoped.getScopedRouteConfigurationsList().getScopedRouteConfigurationsList()
                            .forEach(c -> inline.addScopedRouteConfigs(Any.pack(c)));
                    b.addInlineScopedRouteConfigs(inline);
                } catch (InvalidProtocolBufferException e) {
                    // validated at load; a malformed one cannot reach here
                }
            }
        }
    }

    private void addInlineRoutes(FilterChain fc, RoutesConfigDump.Builder b) {
        for (var f : fc.getFiltersList()) {
            if (f.hasTypedConfig() && io.remora.xds.translate.GeneratedMessages.is(f.getTypedConfig(), HttpConnectionManager.class)) {
                try {
                    HttpConnectionManager h = io.remora.xds.translate.GeneratedMessages.unpack(f.getTypedConfig(), HttpConnectionManager.class);
                    if (h.hasRouteConfig()) {
                        b.addStaticRouteConfigs(RoutesConfigDump.StaticRouteConfig.newBuilder()
                                .setRouteConfig(Any.pack(h.getRouteConfig())).setLastUpdated(loadedAt));
                    }
                } catch (InvalidProtocolBufferException e) {
                    // validated at load; a malformed one cannot reach here
                }
            }
        }
    }

    /** The four parts in Envoy's order. */
    public ConfigDump build() {
        return ConfigDump.newBuilder()
                .addConfigs(Any.pack(bootstrapDump()))
                .addConfigs(Any.pack(clustersDump().build()))
                .addConfigs(Any.pack(listenersDump().build()))
                .addConfigs(Any.pack(routesDump().build()))
                .build();
    }

    /** {@link #build()} as Envoy's pretty JSON with secrets redacted. */
    public String toJson() {
        return toJson(build());
    }

    /** Any ConfigDump as pretty JSON with secrets redacted. */
    public static String toJson(ConfigDump dump) {
        JsonElement tree = JsonParser.parseString(ProtoJson.print(dump));
        redact(tree, false);
        return new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(tree);
    }

    private static void redact(JsonElement e, boolean sensitive) {
        if (e.isJsonObject()) {
            JsonObject o = e.getAsJsonObject();
            for (Map.Entry<String, JsonElement> en : o.entrySet()) {
                boolean s = sensitive || SENSITIVE.contains(en.getKey());
                if (s && en.getValue().isJsonPrimitive() && !en.getKey().equals("@type")) {
                    en.setValue(new JsonPrimitive("[redacted]"));
                } else {
                    redact(en.getValue(), s);
                }
            }
        } else if (e.isJsonArray()) {
            var arr = e.getAsJsonArray();
            for (int i = 0; i < arr.size(); i++) {
                if (sensitive && arr.get(i).isJsonPrimitive()) {
                    arr.set(i, new JsonPrimitive("[redacted]"));
                } else {
                    redact(arr.get(i), sensitive);
                }
            }
        }
    }
}
