package io.remora.xds.translate;

import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.remora.config.Address;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The {@code envoy.http11_proxy_transport_socket.proxy_address} entry of an endpoint's or a
 * locality's {@code typed_filter_metadata}: a {@code config.core.v3.Address} naming the HTTP/1.1
 * proxy an http_11_proxy transport socket reaches the endpoint through. An entry of another type
 * is ignored, as Envoy ignores it; an Address that is not an IP and port fails with its path.
 */
final class Http11ProxyAddresses {
    static final String KEY = "envoy.http11_proxy_transport_socket.proxy_address";
    private static final String ADDRESS = "envoy.config.core.v3.Address";

    private Http11ProxyAddresses() {
    }

    /** The proxy {@code md} names, or null. */
    static InetSocketAddress of(Metadata md, FieldPath path) {
        com.google.protobuf.Any any = md.getTypedFilterMetadataMap().get(KEY);
        if (any == null || !Protos.typeName(any).equals(ADDRESS)) {
            return null;
        }
        FieldPath p = path.field(KEY);
        var proto = Protos.unpack(any, io.envoyproxy.envoy.config.core.v3.Address.class, p);
        if (!(AddressTranslator.translate(proto, p) instanceof Address.Tcp tcp) || tcp.port() == 0
                || !isIpLiteral(tcp.host())) {
            throw p.field("socket_address").error("the HTTP/1.1 proxy must be an IP address with a port_value");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(tcp.host()), tcp.port());
        } catch (java.net.UnknownHostException e) {
            throw p.field("socket_address").error("not an IP address: " + tcp.host());
        }
    }

    /** Literal only: a name here would be resolved on the control thread. */
    private static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || host.chars().allMatch(ch -> ch == '.' || Character.isDigit(ch));
    }
}
