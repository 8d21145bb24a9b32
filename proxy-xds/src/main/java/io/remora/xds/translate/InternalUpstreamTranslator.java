package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport;
import io.remora.config.PassthroughMetadata;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code internal_upstream} transport socket of clusters whose endpoints are
 * {@code envoy_internal_address}es: the inner transport socket applies as usual, and
 * {@code passthrough_metadata} names the host or cluster metadata namespaces the internal
 * listener's connection receives (Istio's {@code envoy.filters.listener.original_dst} destination,
 * its {@code tunnel} and {@code istio} metadata).
 */
final class InternalUpstreamTranslator {
    private static final String TYPE = "envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport";

    /** The socket to translate, where it sits in the config, and what passes through to the internal listener. */
    record Inner(TransportSocket socket, FieldPath path, List<PassthroughMetadata> passthrough) {
    }

    private InternalUpstreamTranslator() {
    }

    static Inner unwrap(TransportSocket ts, FieldPath path) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Inner(ts, path, List.of());
        }
        FieldPath tp = path.field("typed_config");
        InternalUpstreamTransport iu = Protos.unpack(ts.getTypedConfig(), InternalUpstreamTransport.class, tp);
        List<PassthroughMetadata> passthrough = new ArrayList<>();
        for (int i = 0; i < iu.getPassthroughMetadataCount(); i++) {
            FieldPath mp = tp.field("passthrough_metadata").index(i);
            var source = iu.getPassthroughMetadata(i);
            if (source.getName().isEmpty()) {
                throw mp.field("name").error("name is required");
            }
            PassthroughMetadata.Kind kind = switch (source.getKind().getKindCase()) {
                case HOST -> PassthroughMetadata.Kind.HOST;
                case CLUSTER -> PassthroughMetadata.Kind.CLUSTER;
                // As Envoy: an upstream connection has no request or route to read from.
                default -> throw mp.field("kind").error("only host and cluster metadata can pass to an internal"
                        + " listener");
            };
            passthrough.add(new PassthroughMetadata(kind, source.getName()));
        }
        if (!iu.hasTransportSocket()) {
            throw tp.field("transport_socket").error("missing required field");
        }
        return new Inner(iu.getTransportSocket(), tp.field("transport_socket"), List.copyOf(passthrough));
    }
}
