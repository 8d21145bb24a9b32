package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport;

/**
 * The {@code internal_upstream} transport socket of clusters whose endpoints are
 * {@code envoy_internal_address}es: the inner transport socket applies as usual.
 * {@code passthrough_metadata} (endpoint or cluster metadata handed to the internal listener's
 * connection, e.g. Istio's {@code envoy.filters.listener.original_dst} destination) is not
 * carried yet and is reported once.
 */
final class InternalUpstreamTranslator {
    private static final String TYPE = "envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport";

    /** The socket to translate and where it sits in the config. */
    record Inner(TransportSocket socket, FieldPath path) {
    }

    private InternalUpstreamTranslator() {
    }

    static Inner unwrap(TransportSocket ts, FieldPath path, TranslationContext ctx) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Inner(ts, path);
        }
        FieldPath tp = path.field("typed_config");
        InternalUpstreamTransport iu = Protos.unpack(ts.getTypedConfig(), InternalUpstreamTransport.class, tp);
        if (iu.getPassthroughMetadataCount() > 0) {
            ctx.warnOnce("internal_upstream.passthrough_metadata", "internal_upstream passthrough_metadata is not"
                    + " passed to internal listeners yet, first at " + tp.field("passthrough_metadata"));
        }
        if (!iu.hasTransportSocket()) {
            throw tp.field("transport_socket").error("missing required field");
        }
        return new Inner(iu.getTransportSocket(), tp.field("transport_socket"));
    }
}
