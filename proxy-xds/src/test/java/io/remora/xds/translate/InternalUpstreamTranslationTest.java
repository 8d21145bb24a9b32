package io.remora.xds.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKind;
import io.remora.config.ClusterConfig;
import io.remora.config.PassthroughMetadata;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** internal_upstream's passthrough_metadata: host and cluster sources, per transport socket match, bad kinds refused by path. */
class InternalUpstreamTranslationTest {

    private static TransportSocket internal(MetadataKind kind, String name) {
        return TransportSocket.newBuilder().setName("internal_upstream").setTypedConfig(Any.pack(
                InternalUpstreamTransport.newBuilder()
                        .addPassthroughMetadata(InternalUpstreamTransport.MetadataValueSource.newBuilder()
                                .setKind(kind).setName(name))
                        .setTransportSocket(TransportSocket.newBuilder().setName("raw_buffer")
                                .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance())))
                        .build())).build();
    }

    private static final MetadataKind HOST = MetadataKind.newBuilder().setHost(MetadataKind.Host.getDefaultInstance()).build();
    private static final MetadataKind CLUSTER = MetadataKind.newBuilder()
            .setCluster(MetadataKind.Cluster.getDefaultInstance()).build();

    private static ClusterConfig translate(Cluster c) {
        return ClusterTranslator.translate(c, FieldPath.of("cluster"), TranslationContext.lenient());
    }

    @Test
    void theTransportSocketMatchReachingTheHostDecidesWhatPassesThrough() {
        // Istio's HBONE shape: endpoints with tunnel metadata go through internal_upstream
        Cluster c = Cluster.newBuilder().setName("outbound|80||svc")
                .setTransportSocket(internal(CLUSTER, "istio"))
                .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("internal_upstream")
                        .setMatch(Struct.newBuilder().putFields("tunnel", Value.newBuilder().setStringValue("http").build()))
                        .setTransportSocket(internal(HOST, "tunnel")))
                .build();
        ClusterConfig cc = translate(c);
        assertEquals(List.of(new PassthroughMetadata(PassthroughMetadata.Kind.HOST, "tunnel")),
                cc.passthroughMetadataFor(Map.of("tunnel", "http")));
        assertEquals(List.of(new PassthroughMetadata(PassthroughMetadata.Kind.CLUSTER, "istio")),
                cc.passthroughMetadataFor(Map.of()));
    }

    @Test
    void requestAndRouteMetadataCannotPassToAnUpstreamConnection() {
        for (MetadataKind kind : List.of(MetadataKind.newBuilder().setRequest(MetadataKind.Request.getDefaultInstance()).build(),
                MetadataKind.newBuilder().setRoute(MetadataKind.Route.getDefaultInstance()).build())) {
            Cluster c = Cluster.newBuilder().setName("c").setTransportSocket(internal(kind, "x")).build();
            TranslationException e = assertThrows(TranslationException.class, () -> translate(c));
            assertTrue(e.path().endsWith("transport_socket.typed_config.passthrough_metadata[0].kind"), e.path());
        }
        Cluster unnamed = Cluster.newBuilder().setName("c").setTransportSocket(internal(HOST, "")).build();
        TranslationException e = assertThrows(TranslationException.class, () -> translate(unnamed));
        assertTrue(e.path().endsWith("passthrough_metadata[0].name"), e.path());
    }
}
