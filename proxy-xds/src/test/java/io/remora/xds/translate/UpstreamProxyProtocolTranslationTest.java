package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ProxyProtocolConfig;
import io.envoyproxy.envoy.config.core.v3.ProxyProtocolPassThroughTLVs;
import io.envoyproxy.envoy.config.core.v3.TlvEntry;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport;
import io.envoyproxy.envoy.extensions.transport_sockets.proxy_protocol.v3.ProxyProtocolUpstreamTransport;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.remora.config.ClusterConfig;
import io.remora.config.ProxyProtocolTlv;
import io.remora.config.UpstreamProxyProtocolConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** upstream_proxy_protocol's config on a cluster and its transport socket matches; bad values refused by path. */
class UpstreamProxyProtocolTranslationTest {

    private static final TransportSocket RAW = TransportSocket.newBuilder().setName("raw_buffer")
            .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())).build();
    private static final TransportSocket TLS = TransportSocket.newBuilder().setName("tls")
            .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni("svc.example").build())).build();

    private static TransportSocket proxyProtocol(ProxyProtocolUpstreamTransport.Builder t) {
        return TransportSocket.newBuilder().setName("envoy.transport_sockets.upstream_proxy_protocol")
                .setTypedConfig(Any.pack(t.build())).build();
    }

    private static ClusterConfig translate(TransportSocket ts, TranslationContext ctx) {
        return ClusterTranslator.translate(Cluster.newBuilder().setName("c").setTransportSocket(ts).build(),
                FieldPath.of("cluster"), ctx);
    }

    private static TranslationException refused(ProxyProtocolUpstreamTransport.Builder t) {
        return assertThrows(TranslationException.class,
                () -> translate(proxyProtocol(t), TranslationContext.lenient()));
    }

    @Test
    void version2WithTlvsAroundTls() {
        ClusterConfig c = translate(proxyProtocol(ProxyProtocolUpstreamTransport.newBuilder()
                .setConfig(ProxyProtocolConfig.newBuilder().setVersion(ProxyProtocolConfig.Version.V2)
                        .setPassThroughTlvs(ProxyProtocolPassThroughTLVs.newBuilder()
                                .setMatchType(ProxyProtocolPassThroughTLVs.PassTLVsMatchType.INCLUDE).addTlvType(5))
                        .addAddedTlvs(TlvEntry.newBuilder().setType(0xE0).setValue(ByteString.copyFromUtf8("x"))))
                .setTransportSocket(TLS)), TranslationContext.lenient());
        assertEquals(new UpstreamProxyProtocolConfig(2, false, Set.of(5),
                List.of(new ProxyProtocolTlv(0xE0, "x".getBytes(StandardCharsets.US_ASCII)))), c.upstreamProxyProtocol());
        assertEquals("svc.example", c.transportSocket().sni(), "the inner TLS socket is translated as usual");
    }

    @Test
    void defaultsToVersion1WithoutTlvsOverRawBuffer() {
        ClusterConfig c = translate(proxyProtocol(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW)),
                TranslationContext.lenient());
        assertEquals(new UpstreamProxyProtocolConfig(1, false, Set.of(), List.of()), c.upstreamProxyProtocol());
        assertNull(c.transportSocket());
        assertTrue(c.usesProxyProtocol());
    }

    @Test
    void anEmptyPassThroughTlvsPassesAll() {
        ClusterConfig c = translate(proxyProtocol(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW)
                .setConfig(ProxyProtocolConfig.newBuilder().setVersion(ProxyProtocolConfig.Version.V2)
                        .setPassThroughTlvs(ProxyProtocolPassThroughTLVs.getDefaultInstance()))),
                TranslationContext.lenient());
        assertTrue(c.upstreamProxyProtocol().passAllTlvs());
    }

    @Test
    void perTransportSocketMatchAndInsideInternalUpstream() {
        TransportSocket internal = TransportSocket.newBuilder().setName("internal_upstream").setTypedConfig(Any.pack(
                InternalUpstreamTransport.newBuilder().setTransportSocket(proxyProtocol(
                        ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW))).build())).build();
        ClusterConfig c = ClusterTranslator.translate(Cluster.newBuilder().setName("c").setTransportSocket(RAW)
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("pp")
                        .setMatch(Struct.newBuilder().putFields("pp", Value.newBuilder().setStringValue("on").build()))
                        .setTransportSocket(internal)).build(), FieldPath.of("cluster"), TranslationContext.lenient());
        assertNull(c.upstreamProxyProtocol());
        assertNotNull(c.transportSocketMatches().get(0).upstreamProxyProtocol());
        assertTrue(c.usesProxyProtocol());
    }

    @Test
    void badConfigIsRefusedByPath() {
        TranslationException e = refused(ProxyProtocolUpstreamTransport.newBuilder());
        assertTrue(e.path().endsWith("transport_socket.typed_config.transport_socket"), e.path());
        e = refused(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW).setConfig(
                ProxyProtocolConfig.newBuilder().setVersionValue(7)));
        assertTrue(e.path().endsWith("typed_config.config.version"), e.path());
        e = refused(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW).setConfig(
                ProxyProtocolConfig.newBuilder().addAddedTlvs(TlvEntry.newBuilder().setType(256)
                        .setValue(ByteString.copyFromUtf8("x")))));
        assertTrue(e.path().endsWith("config.added_tlvs[0].type"), e.path());
        e = refused(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW).setConfig(
                ProxyProtocolConfig.newBuilder().addAddedTlvs(TlvEntry.newBuilder().setType(1))));
        assertTrue(e.path().endsWith("config.added_tlvs[0].value"), e.path());
        e = refused(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW).setConfig(
                ProxyProtocolConfig.newBuilder().setPassThroughTlvs(ProxyProtocolPassThroughTLVs.newBuilder()
                        .setMatchType(ProxyProtocolPassThroughTLVs.PassTLVsMatchType.INCLUDE).addTlvType(300))));
        assertTrue(e.path().endsWith("config.pass_through_tlvs.tlv_type[0]"), e.path());
        // an inner socket Remora cannot run is refused as at the top
        e = refused(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(TransportSocket.newBuilder()
                .setName("alts").setTypedConfig(Any.pack(Struct.getDefaultInstance()))));
        assertTrue(e.path().endsWith("typed_config.transport_socket.typed_config"), e.path());
    }

    @Test
    void tcpProxysTlvs() {
        var tcp = io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy.newBuilder()
                .setStatPrefix("t").setCluster("c")
                .addProxyProtocolTlvs(TlvEntry.newBuilder().setType(0xE1).setValue(ByteString.copyFromUtf8("tcp")));
        TranslationContext ctx = TranslationContext.lenient();
        assertEquals(List.of(new ProxyProtocolTlv(0xE1, "tcp".getBytes(StandardCharsets.US_ASCII))),
                TcpProxyTranslator.translate(tcp.build(), FieldPath.of("tcp"), ctx).proxyProtocolTlvs());
        assertTrue(ctx.warnings().stream().noneMatch(w -> w.contains("proxy_protocol_tlvs")), ctx.warnings().toString());
        tcp.addProxyProtocolTlvs(TlvEntry.newBuilder().setType(1));
        TranslationException e = assertThrows(TranslationException.class,
                () -> TcpProxyTranslator.translate(tcp.build(), FieldPath.of("tcp"), TranslationContext.lenient()));
        assertTrue(e.path().endsWith("proxy_protocol_tlvs[1].value"), e.path());
    }

    @Test
    void envoysUnimplementedOptionsAndVersion1TlvsAreWarned() {
        TranslationContext ctx = TranslationContext.lenient();
        translate(proxyProtocol(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW)
                .setAllowUnspecifiedAddress(true).setConfig(ProxyProtocolConfig.newBuilder()
                        .addAddedTlvs(TlvEntry.newBuilder().setType(1).setValue(ByteString.copyFromUtf8("v"))))), ctx);
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("allow_unspecified_address")), ctx.warnings().toString());
        assertTrue(ctx.warnings().stream().anyMatch(w -> w.contains("version 2 headers only")), ctx.warnings().toString());
        TranslationContext quiet = TranslationContext.lenient();
        translate(proxyProtocol(ProxyProtocolUpstreamTransport.newBuilder().setTransportSocket(RAW)), quiet);
        assertFalse(quiet.warnings().stream().anyMatch(w -> w.contains("proxy_protocol")), quiet.warnings().toString());
    }
}
