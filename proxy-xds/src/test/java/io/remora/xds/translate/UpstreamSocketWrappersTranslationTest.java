package io.remora.xds.translate;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.extensions.transport_sockets.http_11_proxy.v3.Http11ProxyUpstreamTransport;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tcp_stats.v3.Config;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.config.ClusterConfig;
import io.remora.config.FilterChainConfig;
import io.remora.config.TcpStatsConfig;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tcp_stats and http_11_proxy transport sockets around a cluster's (and a filter chain's)
 * socket, the proxy address from endpoint and locality metadata, and a cluster's upstream_config:
 * what is built, and what is refused with its field path.
 */
class UpstreamSocketWrappersTranslationTest {

    private static final TransportSocket RAW = TransportSocket.newBuilder().setName("raw_buffer")
            .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())).build();
    private static final TransportSocket TLS = TransportSocket.newBuilder().setName("tls")
            .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("svc.example").build())).build();

    private static TransportSocket tcpStats(Config.Builder c) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.tcp_stats")
                .setTypedConfig(Any.pack(c.build())).build();
    }

    private static TransportSocket http11Proxy(Http11ProxyUpstreamTransport.Builder t) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.http_11_proxy")
                .setTypedConfig(Any.pack(t.build())).build();
    }

    private static ClusterConfig translate(Cluster.Builder c) {
        return ClusterTranslator.translate(c.setName("c").build(), FieldPath.of("cluster"), TranslationContext.lenient());
    }

    private static ClusterConfig withSocket(TransportSocket ts) {
        return translate(Cluster.newBuilder().setTransportSocket(ts));
    }

    private static boolean epoll() {
        return io.remora.server.Transport.detect().kind() == io.remora.server.Transport.Kind.EPOLL;
    }

    @Test
    void tcpStatsAroundTlsKeepsTheInnerSocketAndThePeriod() {
        if (!epoll()) {
            TranslationException e = assertThrows(TranslationException.class, () -> withSocket(tcpStats(
                    Config.newBuilder().setTransportSocket(TLS))));
            assertTrue(e.getMessage().contains("TCP_INFO"), e.getMessage());
            return;
        }
        ClusterConfig c = withSocket(tcpStats(Config.newBuilder().setTransportSocket(TLS)
                .setUpdatePeriod(com.google.protobuf.Duration.newBuilder().setSeconds(5))));
        assertEquals(new TcpStatsConfig(Duration.ofSeconds(5)), c.tcpStats());
        assertEquals("svc.example", c.transportSocket().sni(), "the inner TLS socket is translated as usual");
        assertNull(withSocket(tcpStats(Config.newBuilder().setTransportSocket(RAW))).tcpStats().updatePeriod(),
                "without update_period: read at close only");
    }

    @Test
    void tcpStatsWithoutOrWithABadInnerSocketIsRefusedByPath() {
        TranslationException missing = assertThrows(TranslationException.class,
                () -> withSocket(tcpStats(Config.newBuilder())));
        assertTrue(missing.getMessage().contains("cluster.transport_socket.typed_config.transport_socket"),
                missing.getMessage());
        if (epoll()) {
            TransportSocket downstreamTls = TransportSocket.newBuilder().setName("tls")
                    .setTypedConfig(Any.pack(DownstreamTlsContext.getDefaultInstance())).build();
            TranslationException bad = assertThrows(TranslationException.class,
                    () -> withSocket(tcpStats(Config.newBuilder().setTransportSocket(downstreamTls))));
            assertTrue(bad.getMessage().contains("cluster.transport_socket.typed_config.transport_socket.typed_config"),
                    bad.getMessage());
        }
    }

    /** As Envoy where there is no TCP_INFO: the config is refused, naming the socket. */
    @Test
    void tcpStatsIsRefusedOnNio() {
        String before = System.getProperty("remora.transport");
        System.setProperty("remora.transport", "nio");
        try {
            TranslationException e = assertThrows(TranslationException.class, () -> withSocket(tcpStats(
                    Config.newBuilder().setTransportSocket(RAW))));
            assertTrue(e.getMessage().contains("cluster.transport_socket.typed_config"), e.getMessage());
            assertTrue(e.getMessage().contains("TCP_INFO"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty("remora.transport");
            } else {
                System.setProperty("remora.transport", before);
            }
        }
    }

    @Test
    void tcpStatsOnAFilterChain() {
        if (!epoll()) {
            return;
        }
        FilterChainConfig fc = FilterChainTranslator.translate(FilterChain.newBuilder().setTransportSocket(
                tcpStats(Config.newBuilder().setTransportSocket(RAW))).build(), FieldPath.of("chain"),
                TranslationContext.lenient());
        assertEquals(new TcpStatsConfig(null), fc.tcpStats());
        assertNull(fc.transportSocket());
    }

    @Test
    void http11ProxyMarksTheClusterAndRequiresItsInnerSocket() {
        ClusterConfig c = withSocket(http11Proxy(Http11ProxyUpstreamTransport.newBuilder().setTransportSocket(TLS)));
        assertTrue(c.http11Proxy());
        assertEquals("svc.example", c.transportSocket().sni());
        assertFalse(withSocket(TLS).http11Proxy());
        TranslationException e = assertThrows(TranslationException.class,
                () -> withSocket(http11Proxy(Http11ProxyUpstreamTransport.newBuilder())));
        assertTrue(e.getMessage().contains("cluster.transport_socket.typed_config.transport_socket"), e.getMessage());
    }

    private static Metadata proxyAt(String ip, int port) {
        return Metadata.newBuilder().putTypedFilterMetadata(Http11ProxyAddresses.KEY, Any.pack(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port)).build())).build();
    }

    private static LbEndpoint endpoint(Metadata md) {
        return LbEndpoint.newBuilder().setMetadata(md).setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                .setSocketAddress(SocketAddress.newBuilder().setAddress("10.0.0.1").setPortValue(443)))).build();
    }

    @Test
    void theEndpointsProxyAddressWinsOverItsLocalitys() {
        var cla = EndpointTranslator.translate(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().setMetadata(proxyAt("10.9.9.9", 3128))
                        .addLbEndpoints(endpoint(proxyAt("10.8.8.8", 8080)))
                        .addLbEndpoints(endpoint(Metadata.getDefaultInstance())))
                .build(), FieldPath.of("cla"));
        var eps = cla.endpoints().get(0).lbEndpoints();
        assertEquals(new InetSocketAddress("10.8.8.8", 8080), eps.get(0).http11ProxyAddress());
        assertEquals(new InetSocketAddress("10.9.9.9", 3128), eps.get(1).http11ProxyAddress());
    }

    @Test
    void aProxyAddressOfAnotherTypeIsIgnoredAndANameIsRefused() {
        Metadata otherType = Metadata.newBuilder().putTypedFilterMetadata(Http11ProxyAddresses.KEY,
                Any.pack(RawBuffer.getDefaultInstance())).build();
        var cla = EndpointTranslator.translate(ClusterLoadAssignment.newBuilder().setClusterName("c")
                .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint(otherType))).build(),
                FieldPath.of("cla"));
        assertNull(cla.endpoints().get(0).lbEndpoints().get(0).http11ProxyAddress());
        TranslationException e = assertThrows(TranslationException.class, () -> EndpointTranslator.translate(
                ClusterLoadAssignment.newBuilder().setClusterName("c").addEndpoints(LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(endpoint(proxyAt("proxy.example", 3128)))).build(), FieldPath.of("cla")));
        assertTrue(e.getMessage().contains("cla.endpoints[0].lb_endpoints[0].metadata.typed_filter_metadata."
                + Http11ProxyAddresses.KEY), e.getMessage());
    }

    private static Cluster.Builder upstream(com.google.protobuf.Message m) {
        return Cluster.newBuilder().setUpstreamConfig(TypedExtensionConfig.newBuilder().setName("u")
                .setTypedConfig(Any.pack(m)));
    }

    @Test
    void upstreamConfigOfTheGenericAndHttpPoolsIsAcceptedWithoutAWarning() {
        for (com.google.protobuf.Message m : new com.google.protobuf.Message[] {
            io.envoyproxy.envoy.extensions.upstreams.http.generic.v3.GenericConnectionPoolProto.getDefaultInstance(),
            io.envoyproxy.envoy.extensions.upstreams.http.http.v3.HttpConnectionPoolProto.getDefaultInstance(),
            io.envoyproxy.envoy.extensions.upstreams.tcp.generic.v3.GenericConnectionPoolProto.getDefaultInstance()}) {
            TranslationContext ctx = TranslationContext.lenient();
            ClusterTranslator.translate(upstream(m).setName("c").build(), FieldPath.of("cluster"), ctx);
            assertTrue(ctx.warnings().stream().noneMatch(w -> w.contains("upstream_config")), ctx.warnings().toString());
        }
    }

    @Test
    void upstreamConfigOfTheTcpPoolIsRefusedByName() {
        TranslationException e = assertThrows(TranslationException.class, () -> translate(upstream(
                io.envoyproxy.envoy.extensions.upstreams.http.tcp.v3.TcpConnectionPoolProto.getDefaultInstance())));
        assertTrue(e.getMessage().contains("cluster.upstream_config.typed_config"), e.getMessage());
        assertTrue(e.getMessage().contains("TcpConnectionPoolProto"), e.getMessage());
    }

    @Test
    void anUnknownUpstreamConfigIsWarnedAbout() {
        TranslationContext ctx = TranslationContext.lenient();
        ClusterTranslator.translate(upstream(RawBuffer.getDefaultInstance()).setName("c").build(),
                FieldPath.of("cluster"), ctx);
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("upstream_config")), ctx.warnings().toString());
    }
}
