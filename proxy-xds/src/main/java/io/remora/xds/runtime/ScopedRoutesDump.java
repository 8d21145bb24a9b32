package io.remora.xds.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.ScopedRds;
import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.bootstrap.ConfigDumpBuilder;
import io.remora.xds.translate.GeneratedMessages;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /config_dump}'s ScopedRoutesConfigDump, as Envoy's ScopedRoutesConfigProviderManager::dumpConfigs: each
 * connection manager's inline scopes (static and LDS listeners'), and per SRDS subscription (connection managers
 * with the same {@code scoped_rds} share one, named as the first one's scoped routes) the scopes it holds, its
 * last version and when it came; a subscription shows once a response was taken.
 */
final class ScopedRoutesDump {
    private ScopedRoutesDump() {
    }

    static ScopedRoutesConfigDump of(ConfigDumpBuilder statics, XdsSnapshot snapshot) {
        ScopedRoutesConfigDump.Builder b = statics.scopedRoutesDump();
        if (snapshot == null) {
            return b.build();
        }
        Map<ScopedRds, String> subscriptions = new LinkedHashMap<>();
        for (XdsResource r : snapshot.state(XdsResourceType.LISTENER).resources().values()) {
            Listener l = (Listener) r.resource();
            ConfigDumpBuilder.addInlineScopes(l, ts(r.lastUpdated()), b);
            for (FilterChain fc : chains(l)) {
                for (var f : fc.getFiltersList()) {
                    if (!f.hasTypedConfig() || !GeneratedMessages.is(f.getTypedConfig(), HttpConnectionManager.class)) {
                        continue;
                    }
                    try {
                        var scoped = GeneratedMessages.unpack(f.getTypedConfig(), HttpConnectionManager.class)
                                .getScopedRoutes();
                        if (scoped.hasScopedRds()) {
                            subscriptions.putIfAbsent(scoped.getScopedRds(), scoped.getName());
                        }
                    } catch (InvalidProtocolBufferException e) {
                        // refused with its listener; nothing of it runs
                    }
                }
            }
        }
        XdsSnapshot.TypeState srds = snapshot.state(XdsResourceType.SCOPED_ROUTE);
        if (srds.lastUpdated().equals(Instant.EPOCH)) {
            return b.build(); // Envoy sets the subscription's config info with its first update
        }
        for (String name : subscriptions.values()) {
            ScopedRoutesConfigDump.DynamicScopedRouteConfigs.Builder d = ScopedRoutesConfigDump.DynamicScopedRouteConfigs
                    .newBuilder().setName(name).setVersionInfo(srds.versionInfo()).setLastUpdated(ts(srds.lastUpdated()));
            srds.resources().values().forEach(r -> d.addScopedRouteConfigs(Any.pack(r.resource())));
            b.addDynamicScopedRouteConfigs(d);
        }
        return b.build();
    }

    private static java.util.List<FilterChain> chains(Listener l) {
        java.util.List<FilterChain> chains = new java.util.ArrayList<>(l.getFilterChainsList());
        if (l.hasDefaultFilterChain()) {
            chains.add(l.getDefaultFilterChain());
        }
        return chains;
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
