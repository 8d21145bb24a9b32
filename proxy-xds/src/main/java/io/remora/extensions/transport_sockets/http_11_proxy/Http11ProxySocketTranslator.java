package io.remora.extensions.transport_sockets.http_11_proxy;

import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.http_11_proxy.v3.Http11ProxyUpstreamTransport;
import io.remora.xds.translate.FieldPath;
import io.remora.xds.translate.Protos;

/**
 * {@code envoy.transport_sockets.http_11_proxy} around a cluster's transport socket: hosts whose
 * endpoint or locality {@code typed_filter_metadata} names a proxy
 * ({@code envoy.http11_proxy_transport_socket.proxy_address}) are reached through it with an
 * HTTP/1.1 CONNECT; the others as the wrapped {@code transport_socket} alone, which is then
 * translated as usual.
 */
public final class Http11ProxySocketTranslator {

    static final String TYPE = "envoy.extensions.transport_sockets.http_11_proxy.v3.Http11ProxyUpstreamTransport";

    /** The wrapped socket, where it sits, and whether {@code ts} was http_11_proxy. */
    public record Unwrapped(TransportSocket socket, FieldPath path, boolean http11Proxy) {
    }

    private Http11ProxySocketTranslator() {
    }

    public static Unwrapped unwrap(TransportSocket ts, FieldPath path) {
        if (!ts.hasTypedConfig() || !Protos.typeName(ts.getTypedConfig()).equals(TYPE)) {
            return new Unwrapped(ts, path, false);
        }
        FieldPath tp = path.field("typed_config");
        Http11ProxyUpstreamTransport t = Protos.unpack(ts.getTypedConfig(), Http11ProxyUpstreamTransport.class, tp);
        if (!t.hasTransportSocket()) {
            // Envoy's factory dereferences it unconditionally: no inner socket is no socket at all.
            throw tp.field("transport_socket").error("value is required");
        }
        return new Unwrapped(t.getTransportSocket(), tp.field("transport_socket"), true);
    }
}
