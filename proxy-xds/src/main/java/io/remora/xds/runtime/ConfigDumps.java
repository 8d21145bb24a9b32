package io.remora.xds.runtime;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.remora.xds.ads.XdsResource;
import io.remora.xds.ads.XdsResourceType;
import io.remora.xds.ads.XdsSnapshot;
import io.remora.xds.bootstrap.ConfigDumpBuilder;

import java.time.Instant;

/**
 * {@code /config_dump}: the bootstrap's static resources and the last applied xDS snapshot, in
 * Envoy's admin v3 shape, each dynamic resource with its version_info and last_updated. Secrets'
 * private material is redacted by {@link ConfigDumpBuilder#toJson(ConfigDump)}.
 */
final class ConfigDumps {

    private ConfigDumps() {
    }

    static String json(ConfigDumpBuilder statics, XdsSnapshot snapshot) {
        ClustersConfigDump.Builder clusters = statics.clustersDump();
        ListenersConfigDump.Builder listeners = statics.listenersDump();
        RoutesConfigDump.Builder routes = statics.routesDump();
        EndpointsConfigDump.Builder endpoints = EndpointsConfigDump.newBuilder();
        SecretsConfigDump.Builder secrets = SecretsConfigDump.newBuilder();
        if (snapshot != null) {
            clusters.setVersionInfo(snapshot.versionInfo(XdsResourceType.CLUSTER));
            for (XdsResource r : snapshot.state(XdsResourceType.CLUSTER).resources().values()) {
                clusters.addDynamicActiveClusters(ClustersConfigDump.DynamicCluster.newBuilder()
                        .setVersionInfo(r.version()).setCluster(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
            listeners.setVersionInfo(snapshot.versionInfo(XdsResourceType.LISTENER));
            for (XdsResource r : snapshot.state(XdsResourceType.LISTENER).resources().values()) {
                listeners.addDynamicListeners(ListenersConfigDump.DynamicListener.newBuilder().setName(r.name())
                        .setActiveState(ListenersConfigDump.DynamicListenerState.newBuilder().setVersionInfo(r.version())
                                .setListener(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated()))));
            }
            for (XdsResource r : snapshot.state(XdsResourceType.ROUTE).resources().values()) {
                routes.addDynamicRouteConfigs(RoutesConfigDump.DynamicRouteConfig.newBuilder().setVersionInfo(r.version())
                        .setRouteConfig(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
            for (XdsResource r : snapshot.state(XdsResourceType.ENDPOINT).resources().values()) {
                endpoints.addDynamicEndpointConfigs(EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
                        .setVersionInfo(r.version()).setEndpointConfig(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
            for (XdsResource r : snapshot.state(XdsResourceType.SECRET).resources().values()) {
                secrets.addDynamicActiveSecrets(SecretsConfigDump.DynamicSecret.newBuilder().setName(r.name())
                        .setVersionInfo(r.version()).setSecret(Any.pack(r.resource())).setLastUpdated(ts(r.lastUpdated())));
            }
        }
        ConfigDump dump = ConfigDump.newBuilder()
                .addConfigs(Any.pack(statics.bootstrapDump()))
                .addConfigs(Any.pack(clusters.build()))
                .addConfigs(Any.pack(endpoints.build()))
                .addConfigs(Any.pack(listeners.build()))
                .addConfigs(Any.pack(routes.build()))
                .addConfigs(Any.pack(secrets.build()))
                .build();
        return ConfigDumpBuilder.toJson(dump);
    }

    private static Timestamp ts(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }
}
