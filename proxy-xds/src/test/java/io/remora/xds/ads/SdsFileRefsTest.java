package io.remora.xds.ads;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.PathConfigSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.xds.translate.FieldPath;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where SdsFileRefs finds file-sourced secrets: inside typed_config, in every TLS slot, and only file sources. */
class SdsFileRefsTest {

    private static SdsSecretConfig file(String name, String path) {
        return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ConfigSource.newBuilder()
                .setPathConfigSource(PathConfigSource.newBuilder().setPath(path))).build();
    }

    @Test
    void findsEveryFileSourcedSecretOfAClustersTlsAndSkipsAds() {
        CommonTlsContext tls = CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(file("cert", "/s/cert.yaml"))
                .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("over-ads")
                        .setSdsConfig(ConfigSource.newBuilder().setAds(
                                io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource.getDefaultInstance())))
                .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                        .setValidationContextSdsSecretConfig(file("roots", "/s/roots.yaml")))
                .build();
        Cluster c = Cluster.newBuilder().setName("c").setTransportSocket(TransportSocket.newBuilder().setName("tls")
                .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setCommonTlsContext(tls).build()))).build();

        List<SdsFileRefs.Ref> refs = SdsFileRefs.find(c, FieldPath.ROOT.field("cluster"));

        assertEquals(List.of("cert", "roots"), refs.stream().map(SdsFileRefs.Ref::name).toList());
        assertEquals("/s/roots.yaml", refs.get(1).file().toString());
        assertEquals("cluster.transport_socket.typed_config.common_tls_context.combined_validation_context"
                + ".validation_context_sds_secret_config", refs.get(1).path().toString());
    }

    @Test
    void pathsCountRepeatedFieldsAndMapEntriesAndSkipUnknownTypes() {
        Any tls = Any.pack(DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
                .addTlsCertificateSdsSecretConfigs(file("other", "/s/other.yaml"))
                .addTlsCertificateSdsSecretConfigs(file("server", "/s/server.yaml"))).build());
        Listener l = Listener.newBuilder().setName("l")
                .addFilterChains(FilterChain.newBuilder().setName("plain"))
                .addFilterChains(FilterChain.newBuilder().setName("tls")
                        .setTransportSocket(TransportSocket.newBuilder().setName("tls").setTypedConfig(tls)))
                .addFilterChains(FilterChain.newBuilder().setName("unknown").setTransportSocket(TransportSocket
                        .newBuilder().setName("x").setTypedConfig(Any.newBuilder()
                                .setTypeUrl("type.googleapis.com/example.Unknown").setValue(tls.getValue()))))
                .build();
        RouteConfiguration rc = RouteConfiguration.newBuilder().addVirtualHosts(VirtualHost.newBuilder()
                .setName("v").putTypedPerFilterConfig("a", Any.pack(Listener.getDefaultInstance()))
                .putTypedPerFilterConfig("b", tls)).build();

        List<SdsFileRefs.Ref> refs = SdsFileRefs.find(l, FieldPath.ROOT.field("listener"));
        List<SdsFileRefs.Ref> inRoutes = SdsFileRefs.find(rc, FieldPath.ROOT);

        assertEquals(List.of("other", "server"), refs.stream().map(SdsFileRefs.Ref::name).toList());
        assertEquals("listener.filter_chains[1].transport_socket.typed_config.common_tls_context"
                + ".tls_certificate_sds_secret_configs[1]", refs.get(1).path().toString());
        assertEquals("/s/server.yaml", refs.get(1).file().toString());
        assertEquals(List.of("other", "server"), inRoutes.stream().map(SdsFileRefs.Ref::name).toList());
        assertEquals("virtual_hosts[0].typed_per_filter_config[1].value.common_tls_context"
                + ".tls_certificate_sds_secret_configs[0]", inRoutes.get(0).path().toString());
    }
}
